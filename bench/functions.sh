#!/usr/bin/env bash
# bench/functions.sh: genkan's functions (its local Lambda) under load, against the baselines
# the targets are stated in, all measured in the same run on loopback:
#
#   1. warm invocations of a Go function (aws-lambda-go, lambda.Start) through a REST
#      function route, at several reserved concurrencies, against genkan's HTTP_PROXY to
#      bench/backend;
#   2. a Node handler through genkan against the same handler in serverless-offline;
#      both also with genkan's opt-in queue (a few instances serving all connections);
#   3. the cold start of a Go (and a Node) function instance through a warm genkan;
#   4. launch to first 200 of `genkan serve template.yaml` (a SAM template with one Go
#      function, prebuilt or built from source into genkan's cache) against serverless-offline's
#      launch to first response.
#
# Usage: bench/functions.sh [-d SECONDS] [-c CONNECTIONS] [-t THREADS] [-r ROUNDS] [-w SECONDS]
#                           [-n SAMPLES] [-k SAMPLES] [-g "8 16 50"] [-N "16 50"] [-q "2 4"] [-Q "4"]
#   -d  length of each throughput run (default 10)
#   -c  connections of a throughput run (default 50)
#   -t  wrk threads (default 2)
#   -r  rounds; targets are rotated between rounds (default 3)
#   -w  warm-up per target before the first round, seconds (default 4)
#   -n  launch samples per launcher (default 5)
#   -k  cold-start samples per runtime (default 9)
#   -g  reserved concurrencies of the Go function (default "8 16 50")
#   -N  reserved concurrencies of the Node function (default "16 50")
#   -q  reserved concurrencies of the Go function with a queue (default "2 4"; "" for none)
#   -Q  the same for the Node function (default "4")
# Env: FUNCTIONS_BENCH_PORT=P uses ports P+1..P+12 (default 9020); GENKAN_GOGC=N sets GOGC of
#      the genkan processes; GENKAN_BIN=PATH runs that genkan instead of building cmd/genkan.
# The queued rows need a genkan with --function-queue; without it they are skipped.
#
# Needs wrk, curl and go; node and npm for the Node and serverless-offline rows. The first run
# installs serverless@3 and serverless-offline@13 into bench/_scratch/sls (gitignored).
set -euo pipefail

DURATION=10 CONNS=50 THREADS=2 ROUNDS=3 WARMUP=4 LAUNCHES=5 COLDS=9
GO_CONCS="8 16 50" NODE_CONCS="16 50" GO_QUEUED="2 4" NODE_QUEUED="4"
while getopts "d:c:t:r:w:n:k:g:N:q:Q:h" opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	w) WARMUP=$OPTARG ;;
	n) LAUNCHES=$OPTARG ;;
	k) COLDS=$OPTARG ;;
	g) GO_CONCS=$OPTARG ;;
	N) NODE_CONCS=$OPTARG ;;
	q) GO_QUEUED=$OPTARG ;;
	Q) NODE_QUEUED=$OPTARG ;;
	*) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

BASE=${FUNCTIONS_BENCH_PORT:-9020}
BACKEND_PORT=$((BASE + 1)) GENKAN_PORT=$((BASE + 2)) ADMIN_PORT=$((BASE + 3))
SLS_PORT=$((BASE + 4)) SLS_LAMBDA_PORT=$((BASE + 5)) SLS_WS_PORT=$((BASE + 6))
LAUNCH_PORT=$((BASE + 7)) LAUNCH_ADMIN_PORT=$((BASE + 8)) COLD_PORT=$((BASE + 9)) COLD_ADMIN_PORT=$((BASE + 10))
QUEUE_PORT=$((BASE + 11)) QUEUE_ADMIN_PORT=$((BASE + 12))
HOST=127.0.0.1

cd "$(dirname "$0")/.."
ROOT=$PWD
SLS_DIR=$ROOT/bench/_scratch/sls
WORK=$(mktemp -d "${TMPDIR:-/tmp}/genkan-fnbench.XXXXXX")
PIDS=()   # processes to SIGTERM
GROUPS_=() # process groups to SIGTERM (serverless-offline)

cleanup() {
	local pid
	for pid in "${GROUPS_[@]}"; do
		kill -- "-$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}" "${GROUPS_[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "functions.sh: $*" >&2; exit 1; }
note() { echo "-- $*" >&2; }

missing=()
for c in wrk curl go; do command -v $c >/dev/null || missing+=($c); done
((${#missing[@]} == 0)) || die "missing ${missing[*]} (Debian: apt-get install -y wrk curl; Go from go.dev)"
HAVE_NODE=1
command -v node >/dev/null || { HAVE_NODE=0; note "node not found: Node and serverless-offline rows skipped"; }

for port in $(seq $((BASE + 1)) $((BASE + 12))); do
	if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
		die "port $port is already in use (FUNCTIONS_BENCH_PORT moves the range)"
	fi
done
ulimit -n 65536 2>/dev/null || true

note "building"
go build -o "$WORK/backend" ./bench/backend
go build -o "$WORK/firstresp" ./bench/functions/firstresp
if [[ -n ${GENKAN_BIN:-} ]]; then
	GENKAN=$GENKAN_BIN
else
	go build -o "$WORK/genkan" ./cmd/genkan 2>"$WORK/genkan-build.log" ||
		die "cmd/genkan does not build: $(head -c 600 "$WORK/genkan-build.log")"
	GENKAN=$WORK/genkan
fi
# The queue is a hidden flag; an unknown flag fails before --help is honoured.
if [[ -n "$GO_QUEUED$NODE_QUEUED" ]] && ! "$GENKAN" serve --function-queue 1s --help >/dev/null 2>&1; then
	note "this genkan has no --function-queue: queued rows skipped"
	GO_QUEUED="" NODE_QUEUED=""
fi
# The Go function, built as genkan builds runtime "go" functions (static, lambda.norpc), into a
# code directory of its own: provided.al2023 runs CODE/bootstrap.
mkdir -p "$WORK/go-fn"
CGO_ENABLED=0 go build -buildvcs=false -tags lambda.norpc -o "$WORK/go-fn/bootstrap" ./bench/functions/hello-go
NODE_FN=$ROOT/bench/functions/hello-node

# serverless-offline, installed once into the scratch directory.
HAVE_SLS=0
if ((HAVE_NODE)); then
	if [[ ! -d $SLS_DIR/node_modules/serverless-offline || ! -x $SLS_DIR/node_modules/.bin/serverless ]]; then
		if command -v npm >/dev/null; then
			note "installing serverless@3 serverless-offline@13 into ${SLS_DIR#"$ROOT"/} (once)"
			mkdir -p "$SLS_DIR"
			[[ -f $SLS_DIR/package.json ]] || echo '{"name":"genkan-bench-sls","private":true}' >"$SLS_DIR/package.json"
			(cd "$SLS_DIR" && npm install --no-audit --no-fund serverless@3 serverless-offline@13) >"$SLS_DIR/npm.log" 2>&1 ||
				note "npm install failed (see ${SLS_DIR#"$ROOT"/}/npm.log): serverless-offline rows skipped"
		else
			note "npm not found: serverless-offline rows skipped"
		fi
	fi
	if [[ -x $SLS_DIR/node_modules/.bin/serverless ]]; then
		HAVE_SLS=1
		cp "$NODE_FN/handler.js" "$SLS_DIR/handler.js"
		cat >"$SLS_DIR/serverless.yml" <<-'EOF'
			# Written by bench/functions.sh: the handler of bench/functions/hello-node behind an http event.
			service: genkanbench
			frameworkVersion: '3'
			provider:
			  name: aws
			  runtime: nodejs20.x
			  region: us-east-1
			  stage: dev
			plugins:
			  - serverless-offline
			functions:
			  hello:
			    handler: handler.hello
			    events:
			      - http:
			          path: hello
			          method: get
		EOF
		mkdir -p "$SLS_DIR/home"
	fi
fi
# The environment serverless runs in: no telemetry, update notices or AWS account, and a home of
# its own so that it writes nothing under the user's.
SLS_ENV=(env HOME="$SLS_DIR/home" SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
	SLS_DEPRECATION_DISABLE='*' SLS_INTERACTIVE_SETUP_DISABLE=1 SLS_AWS_MONITORING_FRAMEWORK_DISABLED=1)
SLS_CMD=("$SLS_DIR/node_modules/.bin/serverless" offline start --host "$HOST" --httpPort "$SLS_PORT"
	--lambdaPort "$SLS_LAMBDA_PORT" --websocketPort "$SLS_WS_PORT" --noPrependStageInUrl)

# start NAME CMD...: runs a server in the background, logging to $WORK/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	eval "PID_${name//-/_}=$!"
}

# start_group NAME CMD...: the same in a process group of its own (job control makes the job
# its group's leader without a fork), so that serverless-offline's children go with it.
start_group() {
	local name=$1
	shift
	set -m
	"$@" >"$WORK/$name.log" 2>&1 &
	GROUPS_+=($!)
	set +m
	eval "PID_${name//-/_}=$!"
}

# stop_pid PID [group]: SIGTERM and wait.
stop_pid() {
	if [[ ${2:-} == group ]]; then kill -- "-$1" 2>/dev/null || true; else kill "$1" 2>/dev/null || true; fi
	wait "$1" 2>/dev/null || true
}

wait_url() {
	local url=$1 name=$2 tries=${3:-100} i
	for ((i = 0; i < tries; i++)); do
		if curl -fsS -o /dev/null "$url" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "---- $name log:" >&2
	tail -c 3000 "$WORK/$name.log" >&2 || true
	die "$name did not answer $url"
}

GOGC_ENV=()
[[ -n ${GENKAN_GOGC:-} ]] && GOGC_ENV=(env "GOGC=$GENKAN_GOGC")

# ---------------------------------------------------------------------------------------------
# 1 and 2: throughput.

start backend "$WORK/backend" -listen "$HOST:$BACKEND_PORT"
wait_url "http://$HOST:$BACKEND_PORT/b/item" backend

{
	echo "functions:"
	for c in $GO_CONCS; do
		echo "  go-c$c: { runtime: provided.al2023, code: $WORK/go-fn, concurrency: $c }"
	done
	if ((HAVE_NODE)); then
		for c in $NODE_CONCS; do
			echo "  node-c$c: { runtime: nodejs20.x, handler: handler.hello, code: $NODE_FN, concurrency: $c }"
		done
	fi
	cat <<-EOF
		apis:
		  - id: bench
		    protocol: REST
		    stages: { b: {} }
		    routes:
		      ANY /{proxy+}:
		        proxy: http://$HOST:$BACKEND_PORT/{proxy}
	EOF
	for c in $GO_CONCS; do echo "      GET /fn/go-c$c: { function: go-c$c }"; done
	if ((HAVE_NODE)); then
		for c in $NODE_CONCS; do echo "      GET /fn/node-c$c: { function: node-c$c }"; done
	fi
} >"$WORK/genkan.yaml"
start genkan "${GOGC_ENV[@]}" "$GENKAN" serve "$WORK/genkan.yaml" --listen "$HOST:$GENKAN_PORT" \
	--admin-listen "$HOST:$ADMIN_PORT" --state-dir "$WORK/state" --no-watch
wait_url "http://$HOST:$GENKAN_PORT/b/item" genkan

# The queued functions run in a genkan of their own, since the queue is a gateway-wide option:
# an invocation beyond the reserved concurrency waits up to 2 s for an instance.
if [[ -n "$GO_QUEUED$NODE_QUEUED" ]]; then
	{
		echo "functions:"
		for c in $GO_QUEUED; do
			echo "  go-q$c: { runtime: provided.al2023, code: $WORK/go-fn, concurrency: $c }"
		done
		if ((HAVE_NODE)); then
			for c in $NODE_QUEUED; do
				echo "  node-q$c: { runtime: nodejs20.x, handler: handler.hello, code: $NODE_FN, concurrency: $c }"
			done
		fi
		cat <<-EOF
			apis:
			  - id: queued
			    protocol: REST
			    stages: { b: {} }
			    routes:
			      GET /ready: { mock: { body: '{"ok":true}' } }
		EOF
		for c in $GO_QUEUED; do echo "      GET /fn/go-q$c: { function: go-q$c }"; done
		if ((HAVE_NODE)); then
			for c in $NODE_QUEUED; do echo "      GET /fn/node-q$c: { function: node-q$c }"; done
		fi
	} >"$WORK/queued.yaml"
	start genkanq "${GOGC_ENV[@]}" "$GENKAN" serve "$WORK/queued.yaml" --listen "$HOST:$QUEUE_PORT" \
		--admin-listen "$HOST:$QUEUE_ADMIN_PORT" --state-dir "$WORK/state-queued" --no-watch --function-queue 2s
	wait_url "http://$HOST:$QUEUE_PORT/b/ready" genkanq
fi

if ((HAVE_SLS)); then
	note "starting serverless-offline"
	start_group sls "${SLS_ENV[@]}" bash -c 'cd "$1" && shift && exec "$@"' _ "$SLS_DIR" "${SLS_CMD[@]}"
	wait_url "http://$HOST:$SLS_PORT/hello" sls 600
fi

# Targets: name, URL, the process charged with the request ("cpu") and where the function runs:
# 0 nowhere else, 1 genkan's child processes ("fn"), 2 inside the target (serverless-offline's
# worker threads; any child process would count as "fn").
NAMES=(direct genkan-proxy) URLS=("http://$HOST:$BACKEND_PORT/b/item" "http://$HOST:$GENKAN_PORT/b/item")
CPUPIDS=("$PID_backend" "$PID_genkan") KIDS=(0 0)
for c in $GO_CONCS; do
	NAMES+=("genkan-go-c$c") URLS+=("http://$HOST:$GENKAN_PORT/b/fn/go-c$c") CPUPIDS+=("$PID_genkan") KIDS+=(1)
done
for c in $GO_QUEUED; do
	NAMES+=("genkan-go-q$c") URLS+=("http://$HOST:$QUEUE_PORT/b/fn/go-q$c") CPUPIDS+=("$PID_genkanq") KIDS+=(1)
done
if ((HAVE_NODE)); then
	for c in $NODE_CONCS; do
		NAMES+=("genkan-node-c$c") URLS+=("http://$HOST:$GENKAN_PORT/b/fn/node-c$c") CPUPIDS+=("$PID_genkan") KIDS+=(1)
	done
	for c in $NODE_QUEUED; do
		NAMES+=("genkan-node-q$c") URLS+=("http://$HOST:$QUEUE_PORT/b/fn/node-q$c") CPUPIDS+=("$PID_genkanq") KIDS+=(1)
	done
fi
if ((HAVE_SLS)); then
	NAMES+=(sls-node) URLS+=("http://$HOST:$SLS_PORT/hello") CPUPIDS+=("$PID_sls") KIDS+=(2)
fi
for i in "${!NAMES[@]}"; do
	out=$(curl -sS -o "$WORK/body" -w '%{http_code} %{size_download}' "${URLS[$i]}")
	[[ $out == "200 100" ]] || die "${NAMES[$i]} answered '$out' at ${URLS[$i]}: $(head -c 300 "$WORK/body")"
done

# to_us VALUE: wrk latency ("812.00us", "1.23ms", "2.01s") in microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "ms") n *= 1000; else if (u == "s") n *= 1000000; else if (u == "m") n *= 60000000
		printf "%.0f", n }'
}
HZ=$(getconf CLK_TCK)
# ticks PID...: user+system CPU of each process, "pid ticks" per line.
ticks() {
	local p
	for p in "$@"; do
		[[ -r /proc/$p/stat ]] && awk -v p="$p" '{print p, $14 + $15}' "/proc/$p/stat" 2>/dev/null || true
	done
}
# tree PID: PID's descendants (one ps, not one pgrep per process: genkan may run 100+).
tree() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{kids[$2] = kids[$2] " " $1}
		END {
			n = split(kids[root], q, " ")
			for (i = 1; i <= n; i++) {
				print q[i]
				m = split(kids[q[i]], c, " ")
				for (j = 1; j <= m; j++) q[++n] = c[j]
			}
		}'
}
# delta BEFORE AFTER: ticks spent between two ticks() snapshots, counting processes that
# started in between from zero.
delta() {
	awk 'NR == FNR {b[$1] = $2; next} {d += $2 - ($1 in b ? b[$1] : 0)} END {print d + 0}' "$1" "$2"
}

# run NAME URL PID KIDS: one wrk run at $CONNS connections, appending
# "rps okrps p50 p99 cpu fncpu bad" to $WORK/res.NAME: okrps counts 2xx answers only (a
# throttled invocation is a 500, as behind API Gateway); cpu and fncpu are microseconds of CPU
# per 2xx answer of the target process and of the function processes.
run() {
	local name=$1 url=$2 pid=$3 kids=$4 out n secs bad errs rps okrps p50 p99 own fn ok
	local fnpids=()
	[[ $kids == 0 ]] || mapfile -t fnpids < <(tree "$pid")
	ticks "$pid" >"$WORK/t0.own"
	ticks "${fnpids[@]}" >"$WORK/t0.fn"
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$url" 2>&1) || die "wrk failed on $name: $out"
	ticks "$pid" >"$WORK/t1.own"
	[[ $kids == 0 ]] || mapfile -t fnpids < <(tree "$pid")
	ticks "${fnpids[@]}" >"$WORK/t1.fn"
	n=$(awk '/requests in/ {print $1}' <<<"$out")
	secs=$(awk '/requests in/ {sub(/s,?$/, "", $4); print $4}' <<<"$out")
	bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
	bad=${bad:-0}
	errs=$(awk '/Socket errors/ {print}' <<<"$out")
	[[ -z $errs ]] || note "$name: $errs"
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	ok=$((n - bad))
	okrps=$(awk -v n="$ok" -v s="$secs" 'BEGIN {printf "%.1f", (s > 0) ? n / s : 0}')
	p50=$(to_us "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	p99=$(to_us "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	own=$(awk -v t="$(delta "$WORK/t0.own" "$WORK/t1.own")" -v n="$ok" -v hz="$HZ" 'BEGIN {printf "%.0f", n ? t * 1e6 / hz / n : 0}')
	fn=$(awk -v t="$(delta "$WORK/t0.fn" "$WORK/t1.fn")" -v n="$ok" -v hz="$HZ" 'BEGIN {printf "%.0f", n ? t * 1e6 / hz / n : 0}')
	echo "$rps $okrps $p50 $p99 $own $fn $bad" >>"$WORK/res.$name"
	printf '   %-18s %9.0f req/s %9.0f 2xx/s  p50 %8d us  p99 %8d us  cpu %5d + %5d us/2xx  non-2xx %s\n' \
		"$name" "$rps" "$okrps" "$p50" "$p99" "$own" "$fn" "$bad" >&2
}

note "warm-up: ${WARMUP}s per target (starts the instances)"
for i in "${!NAMES[@]}"; do
	wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "${URLS[$i]}" >/dev/null 2>&1 || true
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
note "load: ${ROUNDS} rounds x ${#NAMES[@]} targets, ${DURATION}s at ${CONNS} connections (load average $LOAD_BEFORE)"
n=${#NAMES[@]}
for ((r = 0; r < ROUNDS; r++)); do
	note "round $((r + 1))/$ROUNDS"
	for ((k = 0; k < n; k++)); do
		i=$(((k + r) % n))
		run "${NAMES[$i]}" "${URLS[$i]}" "${CPUPIDS[$i]}" "${KIDS[$i]}"
	done
done
# pgrep fails when a genkan has no function process (e.g. -g "" -N ""): count zero then.
INSTANCES=$( (pgrep -P "$PID_genkan" || true) | wc -l)
if [[ -n "$GO_QUEUED$NODE_QUEUED" ]]; then
	INSTANCES="$INSTANCES (and $( (pgrep -P "$PID_genkanq" || true) | wc -l) in the queued genkan)"
	stop_pid "$PID_genkanq"
fi
SLS_RSS=""
if ((HAVE_SLS)); then
	SLS_RSS=$(awk '/^VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$PID_sls/status" 2>/dev/null || true)
	stop_pid "$PID_sls" group
fi
stop_pid "$PID_genkan"

# ---------------------------------------------------------------------------------------------
# 3: cold starts. A genkan serves COLDS copies of each function under different names; after it
# is up (and has answered a MOCK route), each copy is requested once (a cold start: a new
# process) and once more (warm). The client-side time of the first request covers the whole
# cold path: routing, the event, fork/exec, the runtime's init, /next, the handler and the
# response; REPORT's Init Duration is process start to the first /next.

note "cold starts: $COLDS per runtime"
{
	echo "functions:"
	for ((i = 1; i <= COLDS; i++)); do
		echo "  cold-go-$i: { runtime: provided.al2023, code: $WORK/go-fn }"
		if ((HAVE_NODE)); then
			echo "  cold-node-$i: { runtime: nodejs20.x, handler: handler.hello, code: $NODE_FN }"
		fi
	done
	cat <<-EOF
		apis:
		  - id: cold
		    protocol: REST
		    stages: { b: {} }
		    routes:
		      GET /ready: { mock: { body: '{"ok":true}' } }
	EOF
	for ((i = 1; i <= COLDS; i++)); do
		echo "      GET /go/$i: { function: cold-go-$i }"
		if ((HAVE_NODE)); then
			echo "      GET /node/$i: { function: cold-node-$i }"
		fi
	done
} >"$WORK/cold.yaml"
start cold "${GOGC_ENV[@]}" "$GENKAN" serve "$WORK/cold.yaml" --listen "$HOST:$COLD_PORT" \
	--admin-listen "$HOST:$COLD_ADMIN_PORT" --state-dir "$WORK/cold-state" --no-watch
wait_url "http://$HOST:$COLD_PORT/b/ready" cold
sleep 0.5
RUNTIMES=(go)
if ((HAVE_NODE)); then RUNTIMES+=(node); fi
for rt in "${RUNTIMES[@]}"; do
	for ((i = 1; i <= COLDS; i++)); do
		for kind in cold warm; do
			out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "http://$HOST:$COLD_PORT/b/$rt/$i")
			[[ $out == 200\ * ]] || die "cold start $rt/$i answered $out"
			awk -v t="${out#* }" 'BEGIN {printf "%.2f\n", t * 1000}' >>"$WORK/cold.$rt.$kind"
		done
		sleep 0.2
	done
	for ((i = 1; i <= COLDS; i++)); do
		awk -F'\t' '/REPORT/ {for (f = 1; f <= NF; f++) if ($f ~ /^Init Duration/) {split($f, a, " "); print a[3]; exit}}' \
			"$WORK/cold-state/logs/cold-$rt-$i.log" >>"$WORK/cold.$rt.init"
	done
done
stop_pid "$PID_cold"

# ---------------------------------------------------------------------------------------------
# 4: launch to first answer. firstresp starts the command, polls the URL every 2 ms until it
# answers 200, stops the command's process group and repeats. Each launcher is started once
# unmeasured first (genkan's runtime "go" builds its cache then; the others page in).

mkdir -p "$WORK/sam/prebuilt"
cp "$WORK/go-fn/bootstrap" "$WORK/sam/prebuilt/bootstrap"
cat >"$WORK/sam/template-source.yaml" <<EOF
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: go1.x
    Properties:
      CodeUri: $ROOT/bench/functions/hello-go
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        Hello:
          Type: Api
          Properties: { Path: /hello, Method: get }
EOF
sed "s#CodeUri: .*#CodeUri: ./prebuilt#; /Metadata:/d; /BuildMethod:/d" "$WORK/sam/template-source.yaml" >"$WORK/sam/template-prebuilt.yaml"

# launch NAME URL DIR CMD...: median of $LAUNCHES launches into $WORK/launch.NAME.
launch() {
	local name=$1 url=$2 dir=$3
	shift 3
	note "launch to first 200: $name"
	"$WORK/firstresp" -url "$url" -n 1 -dir "$dir" -log "$WORK/launch-$name.log" -- "$@" >/dev/null ||
		die "$name did not answer (see the log above)"
	"$WORK/firstresp" -url "$url" -n "$LAUNCHES" -dir "$dir" -log "$WORK/launch-$name.log" -- "$@" >"$WORK/launch.$name"
}
GK_ARGS=(--listen "$HOST:$LAUNCH_PORT" --admin-listen "$HOST:$LAUNCH_ADMIN_PORT" --no-watch)
launch sam-prebuilt "http://$HOST:$LAUNCH_PORT/Prod/hello" "$WORK/sam" \
	"$GENKAN" serve template-prebuilt.yaml --state-dir "$WORK/sam/state-prebuilt" "${GK_ARGS[@]}"
launch sam-source "http://$HOST:$LAUNCH_PORT/Prod/hello" "$WORK/sam" \
	"$GENKAN" serve template-source.yaml --state-dir "$WORK/sam/state-source" "${GK_ARGS[@]}"
if ((HAVE_SLS)); then
	launch sls "http://$HOST:$SLS_PORT/hello" "$SLS_DIR" "${SLS_ENV[@]}" "${SLS_CMD[@]}"
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report.

# col NAME FIELD ROUND (FIELD 1 rps, 2 2xx/s, 3 p50, 4 p99, 5 cpu, 6 fn cpu, 7 non-2xx).
col() { awk -v f="$2" -v r="$3" 'NR == r {print $f}' "$WORK/res.$1" 2>/dev/null; }
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mcol() { local r; for ((r = 1; r <= ROUNDS; r++)); do col "$1" "$2" "$r"; done | median; }
# ratio A B FIELD: median over rounds of A/B.
ratio() {
	local r a b
	for ((r = 1; r <= ROUNDS; r++)); do
		a=$(col "$1" "$3" "$r") b=$(col "$2" "$3" "$r")
		[[ -n $a && -n $b ]] && awk -v a="$a" -v b="$b" 'BEGIN {if (b > 0) printf "%.3f\n", a / b}'
	done | median
}
fmed() { median <"$1"; }
frange() { sort -g "$1" | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s-%s", lo, hi}'; }
ms() { awk -v v="$1" 'BEGIN {printf "%.1f", v / 1000}'; }

echo
echo "genkan functions bench: $(nproc) CPUs, $(uname -r), ${ROUNDS} rounds x ${DURATION}s at ${CONNS} connections" \
	"(${THREADS} wrk threads); load average before ${LOAD_BEFORE}, after ${LOAD_AFTER}; medians over rounds"
printf '%-18s %9s %9s %8s %9s %9s %11s %12s %11s\n' target "req/s" "2xx/s" "non-2xx" "p50 ms" "p99 ms" "x proxy" \
	"cpu us/2xx" "fn us/2xx"
for name in "${NAMES[@]}"; do
	printf '%-18s %9.0f %9.0f %8s %9s %9s %11s %12s %11s\n' "$name" "$(mcol "$name" 1)" "$(mcol "$name" 2)" \
		"$(mcol "$name" 7)" "$(ms "$(mcol "$name" 3)")" "$(ms "$(mcol "$name" 4)")" \
		"$(ratio "$name" genkan-proxy 2)" "$(mcol "$name" 5)" "$(mcol "$name" 6)"
done
echo "(2xx/s counts 200s only: past its reserved concurrency a function is throttled, which API Gateway"
echo " answers with 500. cpu: the target process (backend, genkan, serverless-offline's node) per 2xx;"
sls_note=""
[[ -z $SLS_RSS ]] || sls_note="; RSS of serverless-offline $SLS_RSS"
echo " fn: genkan's function processes. genkan ran $INSTANCES function processes at the end$sls_note.)"
echo

best_go="" best=""
for t in $(for c in $GO_CONCS; do echo "c$c"; done) $(for c in $GO_QUEUED; do echo "q$c"; done); do
	v=$(ratio "genkan-go-$t" genkan-proxy 2)
	label="concurrency ${t#?}"
	[[ $t == q* ]] && label="$label, queued"
	printf '%-58s %s\n' "1. Go warm invoke, $label / HTTP_PROXY (2xx/s)" "$v"
	if [[ -z $best ]] || awk -v a="$v" -v b="$best" 'BEGIN {exit !(a > b)}'; then best=$v best_go=$t; fi
done
printf '%-58s %s  (target >= 0.5)\n' "   best: go-$best_go" "$best"
if ((HAVE_NODE && HAVE_SLS)); then
	best_node="" best=""
	for t in $(for c in $NODE_CONCS; do echo "c$c"; done) $(for c in $NODE_QUEUED; do echo "q$c"; done); do
		v=$(ratio "genkan-node-$t" sls-node 2)
		p=$(ratio "genkan-node-$t" sls-node 4)
		label="concurrency ${t#?}"
		[[ $t == q* ]] && label="$label, queued"
		printf '%-58s %s, p99 %s\n' "2. Node, genkan $label / serverless-offline (2xx/s)" "$v" "$p"
		if [[ -z $best ]] || awk -v a="$v" -v b="$best" 'BEGIN {exit !(a > b)}'; then best=$v best_node=$t; fi
	done
	printf '%-58s %s  (target >= 5)\n' "   best: node-$best_node, 2xx/s ratio" "$best"
	printf '%-58s %s  (target <= 0.1)\n' "   best: node-$best_node, p99 ratio" "$(ratio "genkan-node-$best_node" sls-node 4)"
fi
for rt in "${RUNTIMES[@]}"; do
	printf '%-58s %s ms (%s)%s\n' "3. $rt cold start, first request through genkan (median)" "$(fmed "$WORK/cold.$rt.cold")" \
		"$(frange "$WORK/cold.$rt.cold")" "$([[ $rt == go ]] && echo "  (target <= 50)")"
	printf '%-58s %s ms (%s)\n' "   $rt REPORT Init Duration (process start to /next)" "$(fmed "$WORK/cold.$rt.init")" \
		"$(frange "$WORK/cold.$rt.init")"
	printf '%-58s %s ms (%s)\n' "   $rt warm request right after" "$(fmed "$WORK/cold.$rt.warm")" "$(frange "$WORK/cold.$rt.warm")"
done
for name in sam-prebuilt sam-source sls; do
	[[ -f $WORK/launch.$name ]] || continue
	case $name in
	sam-prebuilt) label="4. genkan serve template.yaml (prebuilt bootstrap)" ;;
	sam-source) label="   genkan serve template.yaml (Go source, cached build)" ;;
	sls) label="   serverless-offline, launch to first response" ;;
	esac
	printf '%-58s %s ms  [%s]%s\n' "$label" "$(tail -1 "$WORK/launch.$name")" "$(head -1 "$WORK/launch.$name")" \
		"$([[ $name == sls ]] || echo "  (target <= 300)")"
done
if [[ -f $WORK/launch.sls ]]; then
	s=$(tail -1 "$WORK/launch.sls")
	for name in sam-prebuilt sam-source; do
		printf '%-58s %s\n' "   $name / serverless-offline" \
			"$(awk -v a="$(tail -1 "$WORK/launch.$name")" -v b="$s" 'BEGIN {printf "%.3f", a / b}')"
	done
fi
