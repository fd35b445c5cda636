# Seed 002 (a notebook run of the TensorFlow tutorial, with its printed outputs),
# its cells in order, with `import adcli as tf` in place of `import tensorflow as tf`.
# Nothing else is changed. The printed outputs are in seed_2_notebook_output.txt,
# exactly as the seed shows them (TensorFlow's class and dtype names).
import adcli as tf

x = tf.ones((2,2))

with tf.GradientTape() as t:
    t.watch(x)
    y = tf.reduce_sum(x)
    z = tf.multiply(y, y)

print(y)

print(z)

dz_dx = t.gradient(z, x)

print(dz_dx)

for i in [0, 1]:
    for j in [0, 1]:
        assert dz_dx[i][j].numpy() == 8.0

x = tf.ones((2,2))
with tf.GradientTape() as t:
    t.watch(x)
    y = tf.reduce_sum(x)
    z = tf.multiply(y, y)
dz_dy = t.gradient(z, y)
print(dz_dy)

x = tf.ones((2,2))
with tf.GradientTape() as t:
    t.watch(x)
    y = tf.reduce_sum(x)
    z = tf.multiply(y, y)
dy_dx = t.gradient(y, x)
print(dy_dx)

x = tf.constant([[1,1],[1,1]], dtype=float)
with tf.GradientTape() as t:
    t.watch(x)
    y = tf.reduce_sum(x)
    z = tf.multiply(y, y)
dy_dx = t.gradient(y, x)

print(dy_dx)

x = tf.constant([[2,2],[2,2]], dtype=float)
with tf.GradientTape() as t:
    t.watch(x)
    y = tf.reduce_sum(x)
    z = tf.multiply(y, y)
dy_dx = t.gradient(y, x)

print(dy_dx)

x = tf.constant([[2,2],[2,2]], dtype=float)
with tf.GradientTape() as t:
    t.watch(x)
    y = tf.reduce_sum(x)
    z = tf.multiply(y, y)
dz_dx = t.gradient(z, x)
print(dz_dx)

print(z)

print(y)

x = tf.constant(3.0)
with tf.GradientTape(persistent=True) as t:
    t.watch(x)
    y = x * x
    z = y * y
dz_dx = t.gradient(z, x)  # 108.0 (4*x^3 at x = 3), dy_dx = 2x, dz_dy = 2y = 2x^2
dy_dx = t.gradient(y, x)  # 6.0 
del t

print(dz_dx)

print(dy_dx)

4*27

def f(x, y):
    output = 1.0
    for i in range(y):
        if i > 1 and i < 5:
            output = tf.multiply(output, x)
    return output

print(f(2, 10))

def grad(x, y):
    with tf.GradientTape() as t:
        t.watch(x)
        out = f(x, y)
    return t.gradient(out, x)

x = tf.convert_to_tensor(2.0)

assert grad(x, 6).numpy() == 12.0
assert grad(x, 5).numpy() == 12.0
assert grad(x, 4).numpy() == 4.0

x = tf.Variable(1.0)  # Create a Tensorflow variable initialized to 1.0

with tf.GradientTape() as t:
    with tf.GradientTape() as t2:
        y = x * x * x
  # Compute the gradient inside the 't' context manager
  # which means the gradient computation is differentiable as well.
    dy_dx = t2.gradient(y, x)
d2y_dx2 = t.gradient(dy_dx, x)

assert dy_dx.numpy() == 3.0 # dy_dx = 3*x^2 at x=1
assert d2y_dx2.numpy() == 6.0 # d
