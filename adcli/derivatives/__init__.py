"""The derivative layer: a request for derivatives, resolved once and executed by a backend.

Between the language (adcli.lang, which runs programs on the engine) and the faces
(adcli.api, the CLI, the REPL, plots). Imports point one way: the faces import this
package; it imports adcli.lang, adcli.engine and adcli.errors; nothing here imports a
face or speaks of a command-line flag. The modules, from the request down:

- `program`: program text and Python input values (numbers, lists, arrays, texts)
  as the language takes them; a missing input as an error that names it.
- `plan`: a request validated and resolved into a `Plan`, the backend chosen; the
  one place where engines are chosen.
- `compute`: a plan executed at a point or over a batch: fallback, unconnected
  variables, vectorized batches checked against single points, warnings, once.
- `vectorize`: the one rule for trusting a vectorized run (also used by interpolation).
- backends: `tape_backend` (nested gradient tapes), `taylor_backend` (Taylor series,
  precision and its verification), `interpolated` (mixed partials from directional
  series).
- `results`: Result, Batch, Derivative, TaylorResult, TapeRow, CheckRow, labels and
  the wording of warnings.
- `tape_view` (the tape as rows) and `checking` (finite differences, the Hessian
  matrix): the other questions the faces ask.

Nothing is imported here, so that `import adcli.derivatives.plan` stays light.
"""
