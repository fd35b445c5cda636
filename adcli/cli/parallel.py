"""Worker processes for `--jobs N`: the chunks of a grid or a points file, N at a time.

One responsibility: apply one step to a stream of items (raw chunks of points) in N
worker processes and give its results back in the items' order, so that the output
of `--jobs N` is byte for byte that of `--jobs 1`. What the step does (parse the
chunk's text, compute its batch, format its output text) is the caller's: it is the
same function in both paths. How it runs:

- **Who does what.** The parent reads items (the raw lines of a chunk of a points
  file, or a range of grid indices: the cheap part) and writes the results the
  workers send back, in order. Parsing, computing and formatting, most of the work,
  run in the workers.
- **Bounded memory.** At most 2*N items are handed out and not yet given back (queued,
  being worked on, or finished early and waiting for their turn), so that memory
  stays flat for any number of rows: never the whole file.
- **Order.** Items are numbered; a result that arrives early waits in a dict until
  those before it have been given back.
- **Errors.** An exception in a step is sent back and raised in the parent when its
  item's turn comes, and so is one raised while reading an item: what was written
  before it, the message and the exit code are those of a single-process run. A
  worker that dies (killed, out of memory) is an error, never a hang.
- **Start method: fork** where the platform has it, except macOS, whose system
  libraries are not fork-safe. A forked worker starts in a few milliseconds with
  everything the parent has: numpy and adcli imported, the program parsed, the
  limits and warning filters set; spawn would import all of it again (about 0.3 s a
  worker) and pickle the step. Fork is safe here because the parent has no other
  threads when it forks (the task queue's feeder thread and the progress bar's start
  after the last fork) and has flushed its standard output; a worker closes the
  parent's ends of the pipes, points its standard output at /dev/null and never
  reads standard input. Elsewhere spawn: the step and its items are picklable, and
  `initializer` re-creates the settings a forked worker inherits.
- **Ctrl-C.** SIGINT is blocked while the workers start, and they ignore it, so that a
  Ctrl-C at the terminal (which reaches the whole process group) interrupts the
  parent alone. Leaving the context in any way (the end, an error, a
  KeyboardInterrupt) terminates and joins every worker; a worker whose parent is
  gone exits within a second of its next idle moment.

Imports multiprocessing only when workers start; `--jobs 1`, and a grid of a single
chunk, never import this module.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from adcli.errors import AdcliError

# Seconds a worker waits for an item before it checks that its parent is alive, and that
# the parent waits for workers to leave after the last item.
_IDLE_CHECK = 1.0
_JOIN_TIMEOUT = 2.0


class WorkerLost(AdcliError):
    """A worker process ended before it sent its results back (killed, out of memory):
    exit code 1, with a message, as any error of a run."""

    kind = "worker"


def workers_for(jobs: int, chunks: int | None = None) -> int:
    """The number of worker processes `--jobs N` means: N, or one per core for 0; never
    more than `chunks` (when the number of chunks is known) nor 4 per core, so that a
    large N cannot fill the memory with idle processes."""
    cores = os.cpu_count() or 1
    count = cores if jobs == 0 else min(jobs, 4 * cores)
    return count if chunks is None else max(1, min(count, chunks))


@contextlib.contextmanager
def ordered(step: Callable[[Any], Any], items: Iterable[Any], jobs: int,
            initializer: Callable[[], None] | None = None) -> Iterator[Iterator[Any]]:
    """The results of `step` over `items`, in order, computed by `jobs` worker processes.

    Used as a context: leaving it stops every worker. `step`, the items and
    `initializer` (run first in each worker) must be picklable where processes are
    spawned."""
    pool = _Pool()
    try:
        # Before the first item is read: a worker starts with no more than the parent has.
        pool.start(step, jobs, initializer)
        yield pool.results(iter(items))
    finally:
        pool.stop()


def _start_method() -> str:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return "fork" if "fork" in methods and sys.platform != "darwin" else "spawn"


class _Pool:
    """The worker processes, the queue of numbered items they take their work from, and
    a pipe from each worker that carries its pickled results back."""

    def __init__(self) -> None:
        self.tasks: Any = None
        self.processes: list[Any] = []
        self.pipes: list[Any] = []
        self.finished = False

    def start(self, step: Callable[[Any], Any], jobs: int,
              initializer: Callable[[], None] | None) -> None:
        """Start `jobs` workers, with SIGINT blocked until all are (a Ctrl-C meanwhile
        arrives when they are, in this process alone)."""
        import multiprocessing

        method = _start_method()
        context = multiprocessing.get_context(method)
        self.tasks = context.Queue()
        # A forked worker must not write again what the parent has buffered.
        sys.stdout.flush()
        sys.stderr.flush()
        blocking = hasattr(signal, "pthread_sigmask")
        if blocking:
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(jobs):
                reader, writer = context.Pipe(duplex=False)
                _widen(writer)
                # A forked worker holds copies of the parent's ends of every pipe so far.
                inherited = [*self.pipes, reader] if method == "fork" else []
                process = context.Process(
                    target=_work, args=(step, self.tasks, writer, os.getpid(), initializer,
                                        inherited), daemon=True)
                self.pipes.append(reader)
                self.processes.append(process)
                process.start()
                writer.close()
        finally:
            if blocking:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def results(self, items: Iterator[Any]) -> Iterator[Any]:
        """Hand out the items, at most 2 per worker ahead of the one given back next,
        and give back each result in its item's turn (raising a step's exception there)."""
        limit = 2 * len(self.processes)
        waiting: dict[int, tuple[bool, Any]] = {}
        handed = given = 0
        exhausted = False
        while True:
            while not exhausted and handed - given < limit:
                try:
                    item = next(items)
                except StopIteration:
                    exhausted = True
                    break
                except Exception as error:  # noqa: BLE001 - raised in its turn
                    waiting[handed] = (False, error)
                    handed += 1
                    exhausted = True
                    break
                self.tasks.put((handed, item))
                handed += 1
                del item
            if given == handed:
                self.finished = True
                return
            while given not in waiting:
                self._receive(waiting)
            ok, value = waiting.pop(given)
            given += 1
            if not ok:
                raise value
            yield value
            del value

    def _receive(self, waiting: dict[int, tuple[bool, Any]]) -> None:
        """Wait for results and file every one that has arrived; a worker that is gone
        meanwhile is an error (WorkerLost)."""
        from multiprocessing.connection import wait

        ready = wait([*self.pipes, *(process.sentinel for process in self.processes)])
        received = False
        for pipe in list(self.pipes):
            if pipe not in ready:
                continue
            parts = _read_message(pipe)
            if parts is None:  # its worker is gone, as its sentinel will say
                self.pipes.remove(pipe)
                continue
            index, ok, value = pickle.loads(parts[0], buffers=parts[1:])
            del parts
            waiting[index] = (ok, value)
            received = True
        if received:
            return
        for process in self.processes:
            code = process.exitcode
            if code is not None:
                how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
                raise WorkerLost(f"a --jobs worker process stopped unexpectedly ({how})",
                                 hint="run again; with fewer --jobs if memory is short")

    def stop(self) -> None:
        """Stop every worker: at the end, let them leave; else (an error, Ctrl-C) terminate
        them. Either way, wait until they are gone."""
        if self.finished:
            for _ in self.processes:
                self.tasks.put(None)
            for process in self.processes:
                process.join(_JOIN_TIMEOUT)
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(_JOIN_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join()
        for pipe in self.pipes:
            pipe.close()
        if self.tasks is not None:
            # Items may still be queued for workers that are gone: never wait to send them.
            self.tasks.cancel_join_thread()
            self.tasks.close()


def _widen(pipe: Any) -> None:
    """Make a pipe hold 1 MiB where Linux lets it (64 KiB by default): a chunk's output
    text of a few MiB then crosses in a few reads, not a hundred."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


def _work(step: Callable[[Any], Any], tasks: Any, results: Any, parent: int,
          initializer: Callable[[], None] | None, inherited: list[Any]) -> None:
    """A worker: take numbered items until told to stop (None), send back each one's
    (number, ok, result or exception), pickled."""
    import queue

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for connection in inherited:
        connection.close()
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the parent alone writes the output
    if initializer is not None:
        initializer()
    while True:
        try:
            task = tasks.get(timeout=_IDLE_CHECK)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if task is None:
            return
        index, item = task
        del task
        try:
            outcome = (index, True, step(item))
        except Exception as error:  # noqa: BLE001 - sent back, raised in the parent
            outcome = (index, False, error)
        del item
        try:
            _write_message(results, _pickled(outcome))
        except (BrokenPipeError, EOFError):
            return  # the parent is gone: nobody to tell
        del outcome


# A message on a result pipe: how many parts it has and the length of each (8 bytes
# each, little-endian), then the parts: the pickle, then its out-of-band buffers (the
# pickle.PickleBuffer objects in it, such as a chunk's output text, encoded: protocol 5).
# Each part is read straight into a buffer of its own, which the unpickled result then
# uses as it is: Connection.recv_bytes would copy a chunk's output text three times on
# its way, in the parent, whose time is the scarce one. (Where pipes are not file
# descriptors, on Windows, one Connection message holds the parts.)
_LENGTH = struct.Struct("<Q")
_RAW = os.name == "posix"


def _write_message(connection: Any, parts: list[Any]) -> None:
    header = _LENGTH.pack(len(parts)) + b"".join(_LENGTH.pack(memoryview(part).nbytes)
                                                 for part in parts)
    if not _RAW:
        connection.send_bytes(header + b"".join(bytes(memoryview(part)) for part in parts))
        return
    for part in (header, *parts):
        view = memoryview(part).cast("B")
        while view:
            view = view[os.write(connection.fileno(), view):]


def _read_message(connection: Any) -> list[bytearray] | None:
    """The parts of the next message, or None at the end of the pipe (its writer is
    gone)."""
    if not _RAW:
        try:
            data = memoryview(connection.recv_bytes())
        except EOFError:
            return None
        count = _LENGTH.unpack_from(data)[0]
        sizes = [_LENGTH.unpack_from(data, 8 * (1 + i))[0] for i in range(count)]
        offset = 8 * (1 + count)
        parts = []
        for size in sizes:
            parts.append(bytearray(data[offset:offset + size]))
            offset += size
        return parts
    fd = connection.fileno()
    count = _read_exactly(fd, _LENGTH.size)
    if count is None:
        return None
    sizes = _read_exactly(fd, _LENGTH.size * _LENGTH.unpack(count)[0])
    if sizes is None:
        return None
    parts = []
    for (size,) in _LENGTH.iter_unpack(sizes):
        part = _read_exactly(fd, size)
        if part is None:
            return None
        parts.append(part)
    return parts


def _read_exactly(fd: int, size: int) -> bytearray | None:
    data = bytearray(size)
    view = memoryview(data)
    done = 0
    while done < size:
        n = os.readv(fd, [view[done:]])
        if n == 0:
            return None
        done += n
    return data


def _pickled(outcome: tuple[int, bool, Any]) -> list[Any]:
    """The outcome pickled (protocol 5), then its out-of-band buffers; an exception that
    does not survive pickling is sent as one that says what it was."""
    index, ok, value = outcome
    buffers: list[Any] = []
    try:
        data = pickle.dumps(outcome, 5, buffer_callback=buffers.append)
        if not ok:
            pickle.loads(data, buffers=buffers)
        return [data, *buffers]
    except Exception as error:  # noqa: BLE001 - whatever fails, the parent hears of it
        what = value if not ok else error
        return [pickle.dumps((index, False, RuntimeError(f"{type(what).__name__}: {what}")))]
