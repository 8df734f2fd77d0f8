#!/usr/bin/env bash
# DLP benchmark (not part of the test suite). Generates a mixed corpus (CORPUS_MB, default 50) with
# planted secrets, then on the same files, one thread each:
#   - our fast path (Hyperscan prefilter + RE2J) and pure-Java path (keyword prefilter + RE2J): MB/s;
#   - secretlint with @secretlint/secretlint-rule-preset-recommend (npm, installed into the bench
#     build dir): MB/s;
#   - recall (planted secrets found) and false positives (other lines reported) for all three;
# then (JMH=1, the default) the JMH benchmark: 4 MB corpus and 19 families of hostile 1 MB single lines
# (the dlp module's test HostileInputs), both paths.
# First it times building the default engine in a fresh JVM, with a cold and a warm Hyperscan cache.
# Then the hostile 1 MB lines again in CPU time (JMH's wall clock is only meaningful on an idle machine),
# each with its outcome: clean, or unscannable when it holds more candidates than the scan budget pays for.
# Targets: fast path >= 500 MB/s per core, pure Java >= 50 MB/s, hostile 1 MB line < 50 ms.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
source scripts/env.sh
require_jdk25
require_maven
JAVA="$JAVA_HOME/bin/java"
target="${BOTTLE_TARGET:-target-bench}"
mb="${CORPUS_MB:-50}"
say() { printf '\033[1mbench:\033[0m %s\n' "$*" >&2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say "building the bench module"
"$MVN" -B -q -Dbottle.target="$target" -pl bench -am -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime >&2
cp="$(cat "$work/cp.txt"):bench/$target/bottle-bench-0.1.0-SNAPSHOT.jar"
run() { "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$cp" "$@"; }

say "engine build time in a fresh JVM: cold (empty Hyperscan cache), then warm (twice)"
for i in 1 2 3; do run -Dbottle.dlp.cacheDir="$work/dlp-cache" io.claudebottle.bench.DlpBuildTime; done

say "generating a ${mb} MB corpus"
run io.claudebottle.bench.DlpCorpus "$work/corpus" "$mb"
planted="$work/corpus.planted.tsv"

results=()
for path in hyperscan pure-java; do
  say "scanning with the $path path"
  results+=("$(run io.claudebottle.bench.DlpCorpusScan "$work/corpus" "$path" "$work/$path.tsv" "${RUNS:-3}")")
done

sl="$PWD/bench/$target/secretlint"
if [ ! -x "$sl/node_modules/.bin/secretlint" ]; then
  say "installing secretlint into $sl"
  mkdir -p "$sl"
  npm install --prefix "$sl" --no-audit --no-fund --silent secretlint @secretlint/secretlint-rule-preset-recommend >&2
fi
echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' > "$sl/.secretlintrc.json"
say "scanning with secretlint $("$sl/node_modules/.bin/secretlint" --version)"
start=$(date +%s.%N)
(cd "$sl" && ./node_modules/.bin/secretlint --secretlintrc .secretlintrc.json --format json \
   --no-maskSecrets "$work/corpus/**/*" > "$work/secretlint.json") || true
end=$(date +%s.%N)
python3 - "$work" "$planted" "$start" "$end" "${results[@]}" <<'PY'
import json, os, sys
work, planted, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
ours = sys.argv[5:]
truth = set()
for line in open(planted):
    f, l, kind = line.rstrip("\n").split("\t")
    truth.add((f, int(l)))
size = sum(os.path.getsize(os.path.join(work, "corpus", f)) for f in os.listdir(os.path.join(work, "corpus")))
def score(found):
    hits = len(truth & found)
    return f"recall {hits}/{len(truth)} ({100.0 * hits / max(1, len(truth)):.1f}%), false positives {len(found - truth)}"
def ours_found(name):
    s = set()
    for line in open(os.path.join(work, name + ".tsv")):
        f, l, _ = line.rstrip("\n").split("\t")
        s.add((f, int(l)))
    return s
print(f"corpus: {size / 1048576:.0f} MB, {len(truth)} planted secrets, one thread per scanner")
for name, line in zip(["hyperscan", "pure-java"], ours):
    print(f"{line.split(chr(9))[0]:45s} {line.split(chr(9))[1]:>14s}   {score(ours_found(name))}")
sl = set()
try:
    for entry in json.load(open(os.path.join(work, "secretlint.json"))):
        for m in entry.get("messages", []):
            sl.add((os.path.basename(entry["filePath"]), int(m.get("loc", {}).get("start", {}).get("line", m.get("line", 0)))))
except Exception as e:
    print("secretlint output unreadable:", e)
print(f"{'secretlint + preset-recommend':45s} {size / 1048576 / (end - start):>9.1f} MB/s   {score(sl)}  (wall clock incl. Node start-up)")
PY

say "hostile 1 MB single lines, CPU time of the scanning thread (holds on a busy machine)"
run io.claudebottle.bench.DlpHostileLines "${RUNS_HOSTILE:-15}"

if [ "${JMH:-1}" = 1 ]; then
  say "JMH (corpus4MB: ms per 4 MB; hostile1MBLine: ms per 1 MB line)"
  run org.openjdk.jmh.Main 'io.claudebottle.bench.DlpBenchmark' -foe true ${JMH_ARGS:-}
fi
