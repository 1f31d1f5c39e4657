"""The process captions are cut into words in: `python -m cibgraph.detect.word_process`.

It reads pickles on stdin: an encoder (`text_similarity._Encoder`, with the vocabulary so
far), then lists of caption texts, then None; for each list it writes the encoder's
result, or the exception that stopped it, as a pickle on stdout.
`text_similarity._EncoderProcess` starts it as a plain subprocess rather than through
`multiprocessing`, whose "spawn" start imports the caller's main module again: a script
calling `run_detection` without an `if __name__ == "__main__"` guard would run twice.
"""

from __future__ import annotations

import pickle
import sys


def main() -> None:
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but the results may reach the pickle stream
    encoder = pickle.load(source)
    while (texts := pickle.load(source)) is not None:
        try:
            result = encoder.encode(texts)
        except Exception as exc:  # the reader re-raises it, with this as the cause
            pickle.dump(exc, sink)
            sink.flush()
            return
        pickle.dump(result, sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()


if __name__ == "__main__":
    main()
