"""A deterministic mutation fuzzer for adcli's command line.

It starts from a corpus of valid command lines (every command, most options, and
programs with tensors, loops, functions and branches), applies a few seeded
mutations to each (extreme numbers, deleted or duplicated characters and tokens,
stray punctuation, brackets nested 65+ deep, swapped function names, huge or
negative --order, odd range counts, unknown, repeated or value-less options,
unicode names, odd indices, tensors made large with stack/tile/ones) and checks
every run against one oracle:

* it ends within its time bound (a timeout, exit 130, 137 or -9 is "hang or killed");
* its exit code is 0 (success), 1 (evaluation or limit error) or 2 (usage or
  syntax error);
* neither output holds "internal error" or "Traceback", and standard error holds
  no Python warning (RuntimeWarning, DeprecationWarning, ...: matched by class
  name; adcli's own warnings are lower-case "warning:" lines);
* exit code 0 comes with something on standard output.

Case i of seed s is the same command line on every machine and every run.

Script mode runs each case as a subprocess of the installed `adcli` (next to this
Python), with a wall-clock timeout, an address-space limit (2 GiB) and, for most
cases, `--max-elements 100000 --max-iterations 100000` before the command, then
prints how many cases ran and passed and, for each kind of failure, its count and
the first reproducing command lines:

    python bench/fuzz.py --cases 10000 --seed 1 [--jobs 2] [--timeout 10] [--show 3]
    python bench/fuzz.py --list --cases 20 --seed 1     # print the command lines only

Exit code: 0 when every case passed, 1 otherwise.  `tests/test_fuzz.py` loads this
file (the single generator) and runs a few hundred cheap cases in-process.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# --------------------------------------------------------------------------- corpus

#: Valid command lines (without "adcli"); every one exits 0 with output.
SEEDS: list[list[str]] = [
    ["eval", "sin(pi/4)^2", "--format", "plain"],
    ["eval", "out = 1; for i in range(n): out = out * 2", "--let", "n=10", "--format", "plain"],
    ["eval", "x^2 + 1", "--at", "x=0:1:5", "--format", "csv"],
    ["eval", "[1, 2] + [3, 4]", "--format", "json"],
    ["eval", "reduce_sum([[1, 2], [3, 4]])"],
    ["eval", "ones(3) * 2", "--format", "plain"],
    ["eval", "stack([[1, 2], [3, 4]])"],
    ["eval", "concat([[1, 2], [3]], 0)", "--format", "plain"],
    ["eval", "tile([1, 2], [3])", "--format", "plain"],
    ["eval", "reshape(range(6), [2, 3])[1, 2]", "--format", "plain"],
    ["eval", "x[0] + x[1]", "--let", "x=[1, 2]", "--format", "plain"],
    ["eval", "n = 0; while n < 10: n += 1", "--format", "plain"],
    ["eval", "def f(a):\n    return a * a\nf(3)", "--format", "plain"],
    ["eval", "x = [[1, 2], [3, 4]]; x @ x", "--format", "plain"],
    ["eval", "exp(1)", "--precision", "40"],
    ["eval", "out = 1; for i in range(6): if i > 1 and i < 5: out = out * x", "--at", "x=2"],
    ["eval", "transpose([[1, 2], [3, 4]])[0]", "--format", "json"],
    ["grad", "x*x*x", "--at", "x=1", "--order", "2"],
    ["grad", "x*y + sin(x)", "--at", "x=1", "--at", "y=2", "--order", "2", "--format", "json"],
    ["grad", "sin(x)", "--at", "x=0:pi:5", "--format", "csv"],
    ["grad", "x*y", "--at", "x=0:1:3", "--at", "y=1:2:2"],
    ["grad", "y = x; for i in range(3): y = y * x", "--at", "x=2", "--format", "plain"],
    ["grad", "exp(x) * log(x) + sqrt(x)", "--at", "x=2", "--order", "3", "--format", "plain"],
    ["grad", "abs(x - 1)", "--at", "x=0", "--format", "plain"],
    ["grad", "y = sum(x); z = y * y", "--at", "x=ones(2, 2)", "--wrt", "x,y"],
    ["grad", "x^k", "--at", "x=2", "--let", "k=3", "--order", "3", "--format", "plain"],
    ["grad", "y if y < 0 else 1", "--at", "y=-1:1:3", "--format", "csv"],
    ["grad", "a = x * x; b = 3 * x", "--at", "x=2", "--of", "a", "--format", "plain"],
    ["grad", "max(x, 0) + min(x^2, 2*x)", "--at", "x=3", "--unconnected", "zero"],
    ["grad", "def f(a):\n    return a^2 + sin(a)\nf(x)", "--at", "x=1", "--order", "2"],
    ["grad", "y = 0\nif x > 0:\n    y = x * x\nelse:\n    y = -x\ny", "--at", "x=1.5",
     "--format", "plain"],
    ["grad", "sqrt(x)", "--at", "x=2", "--precision", "30", "--order", "3"],
    ["grad", "x*y*y", "--at", "x=1", "--at", "y=2", "--order", "3", "--format", "csv"],
    ["jacobian", "[x*y, x + y, sin(x)]", "--at", "x=1", "--at", "y=2"],
    ["jacobian", "x * x", "--at", "x=[1, 2, 3]", "--mode", "reverse", "--format", "json"],
    ["hessian", "x^2*y + y^3", "--at", "x=1", "--at", "y=2"],
    ["hessian", "sum(x * x)", "--at", "x=[1, 2]", "--format", "csv"],
    ["taylor", "exp(x)", "--at", "x=0", "--order", "5"],
    ["taylor", "sin(x)*exp(x)/(1+x*x)", "--at", "x=0.5", "--order", "8", "--format", "json"],
    ["taylor", "x*y + y*y", "--at", "x=1", "--at", "y=2", "--dir", "x=1", "--dir", "y=0.5",
     "--order", "3"],
    ["taylor", "exp(x)", "--at", "x=0", "--order", "4", "--exact"],
    ["check", "exp(x)/x", "--at", "x=2", "--order", "3"],
    ["check", "x*y^2", "--at", "x=1", "--at", "y=2", "--order", "2", "--format", "json"],
    ["diff", "x^2*sin(x)"],
    ["diff", "x*y + sin(x)", "--wrt", "x,y", "--format", "plain"],
    ["diff", "y = x; for i in range(3): y = y*x", "--order", "2"],
    ["tape", "y = x * x; z = y * y", "--at", "x=3"],
    ["tape", "sum(x * [1, 2])", "--at", "x=[3, 4]", "--format", "json"],
]

GLOBAL_LIMITS = ["--max-elements", "100000", "--max-iterations", "100000"]
COMMANDS = ["eval", "grad", "jacobian", "hessian", "taylor", "check", "diff", "tape"]
FUNCTIONS = [
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "asin", "acosh", "atanh", "cbrt",
    "gamma", "lgamma", "digamma", "factorial", "erf", "erfc", "sigmoid", "softplus", "relu",
    "sign", "floor", "round", "log1p", "expm1", "reduce_sum", "reduce_prod", "reduce_max",
    "reduce_logsumexp", "sum", "mean", "max", "min", "norm", "ones", "zeros", "range",
    "linspace", "eye", "diag", "trace", "transpose", "stack", "concat", "tile", "reshape",
    "squeeze", "expand_dims", "shape", "size", "len", "matmul", "dot", "polygamma", "pow",
    "atan2", "hypot", "logaddexp", "where", "clip", "grad", "jacobian", "hessian",
    "stop_gradient", "broadcast_to", "fill", "sni", "print", "eval", "__import__",
]
EXTREME_NUMBERS = [
    "0", "-0.0", "1e308", "1e-320", str(10**30), "99999999999999999999999", "-1", "nan",
    "inf", "-inf", str(2**63), str(2**31), "1e309", "0.5", "-5", "1.5", "1e-300", "2",
    "65", "100000", "-1e308",
]
ORDERS = ["99999999999999999999999", str(2**63), "1000000", "100000", "500", "101", "-1",
          "0", "1.5", "", "x", "1e3", str(10**30), "-99999999999999999999999"]
CHEAP_ORDERS = ["-1", "0", "1.5", "", "x", "1e3", "3", "4", "-99999999999999999999999"]
RANGE_COUNTS = ["0", "1", "-1", "1.5", "nan", "", "1e300", str(10**30), "1000000",
                str(2**63), "3:4", "99999999999999999999999"]
CHEAP_RANGE_COUNTS = ["0", "1", "-1", "1.5", "nan", "", "3:4", "inf", "abc", "2"]
SIZES = ["100000", "1000000", str(10**9), str(2**31), str(2**63), str(10**30), "1e300",
         "-1", "0", "1.5", "nan"]
CHEAP_SIZES = ["0", "-1", "1.5", "nan", "3", str(10**30), str(2**63), "1e300", "-5"]
INDICES = ["1e300", "-5", "1.5", "nan", "inf", str(10**30), str(2**63), "-1", "True",
           "2", "x", "[0, 1]", ":", "::-1", "1:", "...", "0, 0, 0"]
NESTS = [2, 10, 32, 63, 64, 65, 66, 99, 100, 101, 200, 1000]
CHEAP_NESTS = [2, 10, 63, 64, 65, 66, 99, 100, 101, 200]
PUNCTUATION = list("()[]{},:;=+-*/^@%!|.<>#~&?$`'\"\\") + ["\n", "\t", " ", "**", "//",
                                                           "\n    ", "::", "=="]
UNICODE_NAMES = ["ξ", "x\u0301", "𝑥", "x\u200b", "名", "\ufeffx", "ｘ", "x²", "π", "Ω",
                 "\u202ex", "é"]
UNKNOWN_OPTIONS = [["--bogus"], ["--atx", "x=1"], ["-z"], ["--order="], ["--format=xml"],
                   ["--"], ["-"], ["--at"], ["--let"], ["--wrt", "nope"], ["--of", "zz"],
                   ["--at", "=1"], ["--at", "x"], ["--at", "x=="], ["--let", "x=x"],
                   ["--help"], ["--digits", "0"], ["--digits", "99"], ["-q"],
                   ["--engine", "taylor"], ["--engine", "tape"], ["--mode", "forward"],
                   ["--unconnected", "zero"], ["--precision", "1"], ["--precision", "50"],
                   ["--tolerance", "-1"], ["--tolerance", "nan"], ["--exact"],
                   ["--dir", "x=1"], ["--dir", "x=nan"], ["--points", "/nonexistent.csv"],
                   ["--format", "latex"], ["--format", "jsonl"], ["--format", "tsv"],
                   ["-f", "/nonexistent.ad"], ["--jobs", "1"], ["--output", "/nonexistent"]]
FORMATS = ["table", "plain", "json", "jsonl", "csv", "tsv", "latex", "text", "xml", ""]

TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+\.?\d*(?:e[-+]?\d+)?|\.\d+|\*\*|//|\S")
NUMBER = re.compile(r"(?<![A-Za-z_0-9.])\d+\.?\d*(?:e[-+]?\d+)?|(?<![A-Za-z_0-9])\.\d+")
NAME = re.compile(r"(?<![A-Za-z_0-9])[A-Za-z_][A-Za-z_0-9]*")
OPTION_VALUES = {"--at", "--let", "--order", "--format", "--wrt", "--of", "--dir",
                 "--precision", "--digits", "--mode", "--unconnected", "--tolerance",
                 "--engine", "--jobs", "-f", "--points", "--output"}


class Case:
    """One fuzz case: its number, seed corpus entry, mutations and argv (after 'adcli')."""

    def __init__(self, number: int, argv: list[str], origin: int, mutations: list[str]):
        self.number = number
        self.argv = argv
        self.origin = origin
        self.mutations = mutations

    def command_line(self) -> str:
        return shlex.join(["adcli", *self.argv])

    def __repr__(self) -> str:
        return f"Case({self.number}, {self.command_line()!r})"


# ------------------------------------------------------------------------- mutations

class _Skip(Exception):
    """This mutation does not apply to this command line."""


def _program_index(argv: list[str]) -> int:
    """Where the program is: the first argument after the command that is no option."""
    k = 1
    while k < len(argv) and argv[k].startswith("-") and len(argv[k]) > 1:
        k += 2 if argv[k] in OPTION_VALUES else 1
    if k >= len(argv):
        raise _Skip
    return k


def _pick_text_index(rng: random.Random, argv: list[str]) -> int:
    """Mostly the program, else an option value (never the command)."""
    if len(argv) < 2:
        raise _Skip
    if rng.random() < 0.7 or len(argv) < 3:
        return _program_index(argv)
    return rng.randrange(1, len(argv))


def _replace_span(text: str, span: tuple[int, int], new: str) -> str:
    return text[:span[0]] + new + text[span[1]:]


def m_number(rng, argv, cheap):
    i = _pick_text_index(rng, argv)
    found = list(NUMBER.finditer(argv[i]))
    if not found:
        return None
    match = rng.choice(found)
    argv[i] = _replace_span(argv[i], match.span(), rng.choice(EXTREME_NUMBERS))
    return "number"


def m_char(rng, argv, cheap):
    i = _pick_text_index(rng, argv)
    text = argv[i]
    if not text:
        return None
    k = rng.randrange(len(text))
    if rng.random() < 0.5:
        argv[i] = text[:k] + text[k] + text[k:]
        return "dup char"
    argv[i] = text[:k] + text[k + 1:]
    return "del char"


def m_token(rng, argv, cheap):
    i = _program_index(argv)
    tokens = list(TOKEN.finditer(argv[i]))
    if not tokens:
        return None
    match = rng.choice(tokens)
    if rng.random() < 0.5:
        argv[i] = _replace_span(argv[i], match.span(), match.group() + " " + match.group())
        return "dup token"
    argv[i] = _replace_span(argv[i], match.span(), "")
    return "del token"


def m_punct(rng, argv, cheap):
    i = _pick_text_index(rng, argv)
    k = rng.randrange(len(argv[i]) + 1)
    argv[i] = argv[i][:k] + rng.choice(PUNCTUATION) + argv[i][k:]
    return "punct"


def m_nest(rng, argv, cheap):
    i = _pick_text_index(rng, argv)
    depth = rng.choice(CHEAP_NESTS if cheap else NESTS)
    found = list(NUMBER.finditer(argv[i])) + list(NAME.finditer(argv[i]))
    opener, closer = rng.choice([("[", "]"), ("(", ")"), ("|", "|"), ("-(", ")"),
                                 ("[[", "]]"), ("sin(", ")"), ("[1, ", "]")])
    if not found:
        argv[i] = opener * depth + argv[i] + closer * depth
    else:
        match = rng.choice(found)
        argv[i] = _replace_span(argv[i], match.span(),
                                opener * depth + match.group() + closer * depth)
    return f"nest {depth}"


def m_function(rng, argv, cheap):
    i = _program_index(argv)
    found = [m for m in NAME.finditer(argv[i]) if m.group() in FUNCTIONS]
    if not found:
        return None
    argv[i] = _replace_span(argv[i], rng.choice(found).span(), rng.choice(FUNCTIONS))
    return "function"


def m_order(rng, argv, cheap):
    value = rng.choice(CHEAP_ORDERS if cheap else ORDERS)
    if "--order" in argv and argv.index("--order") + 1 < len(argv):
        argv[argv.index("--order") + 1] = value
    else:
        argv += ["--order", value]
    return "order"


def m_range(rng, argv, cheap):
    counts = CHEAP_RANGE_COUNTS if cheap else RANGE_COUNTS
    ranges = [k for k, a in enumerate(argv) if re.fullmatch(r"\w+=[^:]*:[^:]*:.*", a)]
    loops = list(re.finditer(r"range\(([^()]*)\)", argv[_program_index(argv)]))
    if ranges and (not loops or rng.random() < 0.5):
        k = rng.choice(ranges)
        head, _, _ = argv[k].rpartition(":")
        argv[k] = head + ":" + rng.choice(counts)
        return "range count"
    if loops:
        i = _program_index(argv)
        argv[i] = _replace_span(argv[i], rng.choice(loops).span(1), rng.choice(counts))
        return "range() count"
    return None


def m_option(rng, argv, cheap):
    option = rng.choice(UNKNOWN_OPTIONS)
    k = rng.randrange(1, len(argv) + 1)
    argv[k:k] = option
    return "option " + " ".join(option)


def m_drop_value(rng, argv, cheap):
    places = [k for k, a in enumerate(argv) if a in OPTION_VALUES and k + 1 < len(argv)]
    if not places:
        del argv[_program_index(argv)]  # drop the program itself
        return "drop program"
    k = rng.choice(places)
    del argv[k + 1]
    return "drop value"


def m_repeat(rng, argv, cheap):
    places = [k for k, a in enumerate(argv) if a.startswith("-") and k >= 2]
    if not places:
        argv.append(argv[_program_index(argv)])  # the program twice
        return "repeat program"
    k = rng.choice(places)
    pair = argv[k:k + 2] if argv[k] in OPTION_VALUES else argv[k:k + 1]
    argv += pair
    return "repeat option"


def m_unicode(rng, argv, cheap):
    i = _program_index(argv)
    names = sorted({m.group() for m in NAME.finditer(argv[i])
                    if m.group() not in FUNCTIONS and len(m.group()) <= 2})
    if not names:
        return None
    old, new = rng.choice(names), rng.choice(UNICODE_NAMES)
    everywhere = rng.random() < 0.6
    for k in range(1, len(argv)):
        if k == i or (everywhere and argv[k - 1] in {"--at", "--let", "--wrt", "--dir"}):
            argv[k] = re.sub(rf"(?<![A-Za-z_0-9]){re.escape(old)}(?![A-Za-z_0-9])",
                             lambda _m: new, argv[k])
    return "unicode name"


def m_index(rng, argv, cheap):
    i = _program_index(argv)
    indexed = list(re.finditer(r"\[([^\[\]]*)\]", argv[i]))
    indexed = [m for m in indexed if m.start() > 0 and (argv[i][m.start() - 1].isalnum()
                                                        or argv[i][m.start() - 1] in ")]")]
    if indexed and rng.random() < 0.6:
        argv[i] = _replace_span(argv[i], rng.choice(indexed).span(1), rng.choice(INDICES))
        return "index"
    names = [m for m in NAME.finditer(argv[i]) if m.group() not in FUNCTIONS]
    if not names:
        return None
    match = rng.choice(names)
    argv[i] = _replace_span(argv[i], match.span(),
                            f"{match.group()}[{rng.choice(INDICES)}]")
    return "add index"


def m_wrap(rng, argv, cheap):
    i = _program_index(argv)
    size = rng.choice(CHEAP_SIZES if cheap else SIZES)
    body = argv[i]
    simple = "\n" not in body and ";" not in body and ":" not in body
    choice = rng.randrange(6)
    if choice == 0 and simple:
        argv[i] = f"stack([{body}, {body}])"
    elif choice == 1 and simple:
        argv[i] = f"tile([{body}], [{size}])"
    elif choice == 2 and simple:
        argv[i] = f"ones({size}) * ({body})"
    elif choice == 3 and simple:
        argv[i] = f"ones({size}, {size}) * ({body})"
    elif choice == 4:
        count = rng.choice([5, 20, 40] if cheap else [20, 40, 60, 64, 100])
        argv[i] = f"y = x; for i in range({count}): y = stack([y, y])"
        if not any(a.startswith("x=") for a in argv):
            argv += ["--at", "x=1"]
    else:
        argv[i] = body + f"; q = reduce_sum(tile([1, 2], [{size}]))"
    return "wrap"


def m_command(rng, argv, cheap):
    argv[0] = rng.choice(COMMANDS)
    return "command"


def m_format(rng, argv, cheap):
    value = rng.choice(FORMATS)
    if "--format" in argv and argv.index("--format") + 1 < len(argv):
        argv[argv.index("--format") + 1] = value
    else:
        argv += ["--format", value]
    return "format"


MUTATIONS: list[tuple[Callable, int]] = [
    (m_number, 8), (m_char, 2), (m_token, 2), (m_punct, 2), (m_nest, 3), (m_function, 5),
    (m_order, 4), (m_range, 4), (m_option, 3), (m_drop_value, 1), (m_repeat, 2),
    (m_unicode, 2), (m_index, 4), (m_wrap, 5), (m_command, 2), (m_format, 1),
]


def generate(seed: int, count: int, cheap: bool = False,
             limits_probability: float = 0.9) -> list[Case]:
    """`count` cases from `seed`: case i depends only on (seed, i, cheap).

    cheap: only mutation values that keep a case small (no huge orders, grid
    counts, sizes or precisions), and the global limits on every case: for the
    in-process test.  Otherwise a case gets GLOBAL_LIMITS with limits_probability.
    """
    functions = [f for f, _ in MUTATIONS]
    weights = [w for _, w in MUTATIONS]
    cases = []
    for number in range(count):
        rng = random.Random(f"adcli-fuzz:{seed}:{number}:{cheap}")
        origin = rng.randrange(len(SEEDS))
        argv = list(SEEDS[origin])
        applied = []
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            for _attempt in range(5):
                mutation = rng.choices(functions, weights)[0]
                before = list(argv)
                try:
                    name = mutation(rng, argv, cheap)
                except _Skip:
                    argv[:] = before
                    name = None
                if name is not None:
                    applied.append(name)
                    break
        if cheap or rng.random() < limits_probability:
            argv = GLOBAL_LIMITS + argv
        cases.append(Case(number, argv, origin, applied))
    return cases


# ---------------------------------------------------------------------------- oracle

PYTHON_WARNING = re.compile(r"\b[A-Z][A-Za-z]*Warning\b")
HANG_CODES = {130, 137, -9, -signal.SIGKILL, -signal.SIGTERM, 143}


def _normalize(message: str) -> str:
    """A failure message with its numbers and quoted text blanked, to group like ones."""
    message = re.sub(r"'[^']*'", "'…'", message)
    message = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", message)
    return message[:120]


def judge(exit_code: int | None, stdout: str, stderr: str, timed_out: bool = False) -> str | None:
    """The kind of failure of one run, or None when it satisfies the oracle."""
    if timed_out or exit_code is None or exit_code in HANG_CODES:
        return "hang or killed" + ("" if timed_out else f" (exit {exit_code})")
    for line in stderr.splitlines() + stdout.splitlines():
        if "internal error" in line:
            return "internal error: " + _normalize(line.split("internal error", 1)[1]
                                                   .lstrip(": "))
    if "Traceback" in stderr or "Traceback" in stdout:
        last = [line for line in stderr.splitlines() if line.strip()][-1:] or [""]
        return "Traceback: " + _normalize(last[0])
    warning = PYTHON_WARNING.search(stderr)
    if warning:
        return "python warning: " + warning.group()
    if exit_code not in (0, 1, 2):
        return f"exit code {exit_code}"
    # Blank lines are output: an empty tensor prints as one in --format plain.
    if exit_code == 0 and not stdout:
        return "exit 0 with empty stdout"
    return None


# ---------------------------------------------------------------------- script mode

ADDRESS_SPACE = 2 * 1024**3


def _limit_child() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_subprocess(case: Case, timeout: float,
                   adcli: Path) -> tuple[str | None, float, int | None]:
    """Run one case as `adcli ARGV`: its failure kind (or None), seconds and exit code."""
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1", PYTHONWARNINGS="default")
    start = time.monotonic()
    process = subprocess.Popen([str(adcli), *case.argv], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               preexec_fn=_limit_child, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        timed_out = True
    finally:
        try:  # --jobs workers, if any, go with it
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    elapsed = time.monotonic() - start
    kind = judge(process.returncode, out.decode("utf-8", "replace"),
                 err.decode("utf-8", "replace"), timed_out)
    return kind, elapsed, None if timed_out else process.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, choices=[1, 2],
                        help="cases run at once (at most 2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case")
    parser.add_argument("--show", type=int, default=3, help="command lines per failure kind")
    parser.add_argument("--start", type=int, default=0, help="first case number to run")
    parser.add_argument("--cheap", action="store_true", help="the in-suite test's cases")
    parser.add_argument("--list", action="store_true", help="print the command lines only")
    args = parser.parse_args(argv)

    cases = generate(args.seed, args.start + args.cases, cheap=args.cheap)[args.start:]
    if args.list:
        for case in cases:
            print(f"{case.number}\t{case.command_line()}")
        return 0
    adcli = Path(sys.executable).with_name("adcli")
    if not adcli.exists():
        parser.error(f"{adcli} not found: install adcli into this Python's environment")

    failures: dict[str, list[Case]] = {}
    slowest: list[tuple[float, Case]] = []
    codes: dict[int | None, int] = {}
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = pool.map(lambda c: (c, *run_subprocess(c, args.timeout, adcli)), cases)
        for done, (case, kind, elapsed, code) in enumerate(results, 1):
            slowest.append((elapsed, case))
            codes[code] = codes.get(code, 0) + 1
            if kind is not None:
                failures.setdefault(kind, []).append(case)
            if done % 250 == 0:
                print(f"... {done} cases, {sum(map(len, failures.values()))} failed, "
                      f"{time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)

    failed = sum(len(v) for v in failures.values())
    print(f"seed {args.seed}: cases {args.start}..{args.start + len(cases) - 1}, "
          f"{time.monotonic() - start:.1f} s with {args.jobs} job(s)")
    print(f"{'cases run':<14}{len(cases):>7}")
    print(f"{'passed':<14}{len(cases) - failed:>7}")
    print(f"{'failed':<14}{failed:>7}")
    print("exit codes    " + ", ".join(f"{'timeout' if c is None else c}: {n}" for c, n in
                                       sorted(codes.items(), key=lambda kv: str(kv[0]))))
    if failures:
        print("\ncount  failure kind / first reproducing command lines")
        for kind, found in sorted(failures.items(), key=lambda kv: -len(kv[1])):
            print(f"{len(found):>5}  {kind}")
            for case in found[:args.show]:
                print(f"       #{case.number}: {case.command_line()}")
    print("\nslowest: " + ", ".join(f"#{c.number} {t:.1f}s"
                                    for t, c in sorted(slowest, key=lambda p: -p[0])[:5]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
