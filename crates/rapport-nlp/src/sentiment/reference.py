"""rapport: runs the reference VADER (Python package vaderSentiment 3.3.2) for the parity
test and the benchmark (rapport_nlp::sentiment::reference). Not used in production.

Reads a JSON array of strings (UTF-8) on stdin. The first line of output is
"vaderSentiment VERSION". Then, by mode (argv[1]):
  score        one line per text: compound pos neu neg, as Python's repr of the floats
  time TOTAL   scores TOTAL texts (cycling through them) on this one thread, prints
               "TOTAL CPU_SECONDS WALL_SECONDS" measured around the scoring loop only
Exit status 3: vaderSentiment cannot be imported; 4: it is not version 3.3.2.
"""
import json
import sys
import time

try:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
except ImportError as error:
    print(f"cannot import vaderSentiment: {error}", file=sys.stderr)
    sys.exit(3)
try:
    from importlib.metadata import version

    VERSION = version("vaderSentiment")
except Exception:  # noqa: BLE001 - metadata missing: report it as unknown
    VERSION = "unknown"
if VERSION != "3.3.2":
    print(f"vaderSentiment {VERSION} is installed, 3.3.2 is required", file=sys.stderr)
    sys.exit(4)

texts = json.loads(sys.stdin.buffer.read().decode("utf-8"))
analyzer = SentimentIntensityAnalyzer()
out = sys.stdout
out.write(f"vaderSentiment {VERSION}\n")
mode = sys.argv[1] if len(sys.argv) > 1 else "score"
if mode == "score":
    for text in texts:
        s = analyzer.polarity_scores(text)
        out.write(f"{s['compound']!r} {s['pos']!r} {s['neu']!r} {s['neg']!r}\n")
elif mode == "time":
    total = int(sys.argv[2])
    n = len(texts)
    batch = [texts[i % n] for i in range(total)] if n else []
    score = analyzer.polarity_scores
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    for text in batch:
        score(text)
    cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    out.write(f"{len(batch)} {cpu!r} {wall!r}\n")
else:
    print(f"unknown mode {mode}", file=sys.stderr)
    sys.exit(2)
