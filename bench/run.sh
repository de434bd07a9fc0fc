#!/usr/bin/env bash
# bench/run.sh: throughput and latency of genkan's HTTP_PROXY and MOCK integrations against
# the same backend served directly, through nginx (one worker, upstream keepalive) and
# through Caddy (when installed), all on loopback. Rounds are interleaved so that a noisy
# neighbour hurts every target alike, and the table reports medians of per-round ratios.
#
# Usage: bench/run.sh [-d SECONDS] [-c CONNECTIONS] [-t THREADS] [-r ROUNDS] [-l SECONDS]
#   -d  length of each throughput run (default 10)
#   -c  connections of a throughput run (default 50)
#   -t  wrk threads (default 2)
#   -r  rounds (default 3)
#   -l  length of each 1-connection latency run (default 5)
# Env: GENKAN_GOGC=N sets GOGC for the genkan processes (default: Go's 100).
#
# Needs wrk and nginx (Debian: apt-get install -y wrk nginx). Caddy is optional:
#   go install github.com/caddyserver/caddy/v2/cmd/caddy@v2.11.9
set -euo pipefail

DURATION=10 CONNS=50 THREADS=2 ROUNDS=3 LATDUR=5
while getopts "d:c:t:r:l:h" opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	l) LATDUR=$OPTARG ;;
	*) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

# The backend port is fixed: the genkan configuration below names it.
BACKEND_PORT=9001 GENKAN_PORT=9002 ADMIN_PORT=9003 NGINX_PORT=9004 CADDY_PORT=9005
PROXYONLY_PORT=9006 STDLIB_PORT=9007
HOST=127.0.0.1

cd "$(dirname "$0")/.."
WORK=$(mktemp -d "${TMPDIR:-/tmp}/genkan-bench.XXXXXX")
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "-- $*" >&2; }

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
((${#missing[@]} == 0)) || die "missing ${missing[*]}; on Debian: apt-get install -y ${missing[*]}"
command -v go >/dev/null || die "go is needed to build the backend and genkan"
CADDY=$(command -v caddy || true)
[[ -z $CADDY && -x "$(go env GOPATH)/bin/caddy" ]] && CADDY="$(go env GOPATH)/bin/caddy"
[[ -n $CADDY ]] || note "caddy not found: skipped (go install github.com/caddyserver/caddy/v2/cmd/caddy@v2.11.9)"

for port in $BACKEND_PORT $GENKAN_PORT $ADMIN_PORT $NGINX_PORT $CADDY_PORT $PROXYONLY_PORT $STDLIB_PORT; do
	if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
		die "port $port is already in use"
	fi
done
ulimit -n 65536 2>/dev/null || true

note "building"
go build -o "$WORK/backend" ./bench/backend
go build -o "$WORK/proxyonly" ./bench/proxyonly
GENKAN=""
if [[ -d cmd/genkan ]] && go build -o "$WORK/genkan" ./cmd/genkan 2>"$WORK/genkan-build.log"; then
	GENKAN="$WORK/genkan"
else
	note "cmd/genkan does not build yet: genkan rows skipped ($(head -c 300 "$WORK/genkan-build.log" 2>/dev/null))"
fi

# start NAME CMD...: runs a server in the background, logging to $WORK/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	eval "PID_${name//-/_}=$!"
}

wait_url() {
	local url=$1 name=$2 i
	for i in $(seq 100); do
		if curl -fsS -o /dev/null "$url" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "---- $name log:" >&2
	cat "$WORK/$name.log" >&2 || true
	die "$name did not answer $url"
}

start backend "$WORK/backend" -listen "$HOST:$BACKEND_PORT"
wait_url "http://$HOST:$BACKEND_PORT/b/item" backend

mkdir -p "$WORK/nginx-tmp"
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $WORK/nginx-tmp/body;
	proxy_temp_path $WORK/nginx-tmp/proxy;
	fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
	uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
	scgi_temp_path $WORK/nginx-tmp/scgi;
	upstream backend {
		server $HOST:$BACKEND_PORT;
		keepalive 64;
	}
	server {
		listen $HOST:$NGINX_PORT;
		location / {
			proxy_pass http://backend;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}
}
EOF
start nginx nginx -e "$WORK/nginx-error.log" -p "$WORK" -c "$WORK/nginx.conf"
wait_url "http://$HOST:$NGINX_PORT/b/item" nginx

if [[ -n $CADDY ]]; then
	cat >"$WORK/Caddyfile" <<EOF
{
	admin off
	auto_https off
	persist_config off
}
http://$HOST:$CADDY_PORT {
	reverse_proxy $HOST:$BACKEND_PORT
}
EOF
	start caddy env HOME="$WORK" XDG_DATA_HOME="$WORK" XDG_CONFIG_HOME="$WORK" \
		"$CADDY" run --config "$WORK/Caddyfile" --adapter caddyfile
	wait_url "http://$HOST:$CADDY_PORT/b/item" caddy
fi

GOGC_ENV=()
[[ -n ${GENKAN_GOGC:-} ]] && GOGC_ENV=(env "GOGC=$GENKAN_GOGC")
RSS=""
if [[ -n $GENKAN ]]; then
	# The configuration the bench is specified with; the backend port is fixed above.
	cat >"$WORK/genkan.yaml" <<'EOF'
apis:
  - id: bench
    protocol: REST
    stages: { b: {} }
    routes:
      ANY /{proxy+}:
        proxy: http://127.0.0.1:9001/{proxy}
      GET /mock:
        mock: { statusCode: 200, body: '{"message":"hello from genkan mock, a fixed body of about one hundred bytes..."}' }
EOF
	start genkan "${GOGC_ENV[@]}" "$GENKAN" serve "$WORK/genkan.yaml" \
		--listen "$HOST:$GENKAN_PORT" --admin-listen "$HOST:$ADMIN_PORT"
	wait_url "http://$HOST:$GENKAN_PORT/b/mock" genkan
	sleep 1
	RSS=$(awk '/^VmRSS/ {print $2 " " $3}' "/proc/$PID_genkan/status")
fi
start proxyonly "${GOGC_ENV[@]}" "$WORK/proxyonly" -listen "$HOST:$PROXYONLY_PORT" \
	-backend "http://$HOST:$BACKEND_PORT" -mode genkan
start stdlib "${GOGC_ENV[@]}" "$WORK/proxyonly" -listen "$HOST:$STDLIB_PORT" \
	-backend "http://$HOST:$BACKEND_PORT" -mode stdlib
wait_url "http://$HOST:$PROXYONLY_PORT/b/item" proxyonly
wait_url "http://$HOST:$STDLIB_PORT/b/item" stdlib

# Targets: name, URL and the process whose CPU time is charged to it. Every one must answer
# 200 with a body before load starts.
NGINX_WORKER=$(pgrep -P "$PID_nginx" | head -1)
NAMES=(direct nginx) URLS=("http://$HOST:$BACKEND_PORT/b/item" "http://$HOST:$NGINX_PORT/b/item")
CPUPIDS=("$PID_backend" "${NGINX_WORKER:-$PID_nginx}")
if [[ -n $CADDY ]]; then NAMES+=(caddy) URLS+=("http://$HOST:$CADDY_PORT/b/item") CPUPIDS+=("$PID_caddy"); fi
if [[ -n $GENKAN ]]; then
	NAMES+=(genkan-proxy genkan-mock)
	URLS+=("http://$HOST:$GENKAN_PORT/b/item" "http://$HOST:$GENKAN_PORT/b/mock")
	CPUPIDS+=("$PID_genkan" "$PID_genkan")
fi
NAMES+=(integration-only stdlib-reverseproxy)
URLS+=("http://$HOST:$PROXYONLY_PORT/b/item" "http://$HOST:$STDLIB_PORT/b/item")
CPUPIDS+=("$PID_proxyonly" "$PID_stdlib")
for i in "${!NAMES[@]}"; do
	out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' "${URLS[$i]}")
	[[ $out == 200\ * && ${out#* } -gt 0 ]] || die "${NAMES[$i]} answered '$out' at ${URLS[$i]}"
done

# to_us VALUE: wrk latency ("812.00us", "1.23ms", "2.01s") in microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "ms") n *= 1000; else if (u == "s") n *= 1000000; else if (u == "m") n *= 60000000
		printf "%.0f", n }'
}

# cputicks PID: user+system CPU time of a process, in clock ticks.
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# run NAME URL CONNS THREADS SECONDS KIND PID: one wrk run, appending "rps p50 p99 cpu bcpu"
# to a file: cpu and bcpu are the microseconds of CPU the target process and the backend
# spent per request, a measure that a busy machine disturbs less than throughput.
run() {
	local name=$1 url=$2 c=$3 t=$4 d=$5 kind=$6 pid=$7 out rps p50 p99 errs n c0 c1 b0 b1 cpu bcpu
	c0=$(cputicks "$pid") b0=$(cputicks "$PID_backend")
	out=$(wrk -t"$t" -c"$c" -d"${d}s" --latency "$url" 2>&1) || die "wrk failed on $name: $out"
	c1=$(cputicks "$pid") b1=$(cputicks "$PID_backend")
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	n=$(awk '/requests in/ {print $1}' <<<"$out")
	p50=$(to_us "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	p99=$(to_us "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	cpu=$(awk -v t=$((c1 - c0)) -v n="$n" -v hz="$HZ" 'BEGIN {printf "%.1f", n ? t * 1e6 / hz / n : 0}')
	bcpu=$(awk -v t=$((b1 - b0)) -v n="$n" -v hz="$HZ" 'BEGIN {printf "%.1f", n ? t * 1e6 / hz / n : 0}')
	errs=$(awk '/Non-2xx|Socket errors/' <<<"$out")
	[[ -z $errs ]] || note "$name ($kind): $errs"
	echo "$rps $p50 $p99 $cpu $bcpu" >>"$WORK/res.$name.$kind"
	printf '   %-20s %-4s %10.0f req/s  p50 %6d us  p99 %6d us  cpu %6.1f us/req\n' \
		"$name" "$kind" "$rps" "$p50" "$p99" "$cpu" >&2
}

note "load: ${ROUNDS} rounds x ${#NAMES[@]} targets, ${DURATION}s at ${CONNS} connections + ${LATDUR}s at 1 connection"
n=${#NAMES[@]}
for ((r = 0; r < ROUNDS; r++)); do
	note "round $((r + 1))/$ROUNDS"
	for ((k = 0; k < n; k++)); do
		i=$(((k + r) % n)) # rotate the order between rounds
		run "${NAMES[$i]}" "${URLS[$i]}" "$CONNS" "$THREADS" "$DURATION" load "${CPUPIDS[$i]}"
		run "${NAMES[$i]}" "${URLS[$i]}" 1 1 "$LATDUR" one "${CPUPIDS[$i]}"
	done
done

# col NAME KIND FIELD ROUND: one number of one round (FIELD 1 rps, 2 p50, 3 p99, 4 cpu/req,
# 5 backend cpu/req).
col() { awk -v f="$3" -v r="$4" 'NR == r {print $f}' "$WORK/res.$1.$2" 2>/dev/null; }
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# mcol NAME KIND FIELD: median over the rounds.
mcol() { local r; for ((r = 1; r <= ROUNDS; r++)); do col "$1" "$2" "$3" "$r"; done | median; }
# ratio A B KIND FIELD: median over rounds of A/B.
ratio() {
	local r a b
	for ((r = 1; r <= ROUNDS; r++)); do
		a=$(col "$1" "$3" "$4" "$r") b=$(col "$2" "$3" "$4" "$r")
		[[ -n $a && -n $b ]] && awk -v a="$a" -v b="$b" 'BEGIN {if (b > 0) printf "%.3f\n", a / b}'
	done | median
}
# added A KIND FIELD: median over rounds of A minus direct.
added() {
	local r a b
	for ((r = 1; r <= ROUNDS; r++)); do
		a=$(col "$1" "$2" "$3" "$r") b=$(col direct "$2" "$3" "$r")
		[[ -n $a && -n $b ]] && echo $((a - b))
	done | median
}
have() { [[ -f $WORK/res.$1.load ]]; }

echo
echo "genkan bench: $(nproc) CPUs, $(uname -r), ${ROUNDS} rounds, ${DURATION}s x ${CONNS} connections (${THREADS} threads), ${LATDUR}s x 1 connection; medians"
printf '%-20s %10s %8s %8s %9s %10s %12s %12s\n' target "req/s" "p50 us" "p99 us" "x direct" "p50@1c us" \
	"cpu us/req" "backend us"
for name in "${NAMES[@]}"; do
	printf '%-20s %10.0f %8d %8d %9s %10d %12s %12s\n' "$name" "$(mcol "$name" load 1)" "$(mcol "$name" load 2)" \
		"$(mcol "$name" load 3)" "$(ratio "$name" direct load 1)" "$(mcol "$name" one 2)" \
		"$(mcol "$name" load 4)" "$(mcol "$name" load 5)"
done
echo "(cpu us/req: CPU time of the target's own process per request under load: the backend for"
echo " direct, nginx's worker, caddy, genkan (proxy and mock share it), bench/proxyonly.)"
echo
proxy=integration-only
if have genkan-proxy; then proxy=genkan-proxy; fi
printf '%-44s %s\n' "$proxy / nginx (req/s)" "$(ratio $proxy nginx load 1)  (target >= 0.5)"
if have caddy; then printf '%-44s %s\n' "$proxy / caddy (req/s)" "$(ratio $proxy caddy load 1)  (target >= 2)"; fi
printf '%-44s %s\n' "nginx / direct (req/s)" "$(ratio nginx direct load 1)"
printf '%-44s %s\n' "stdlib-reverseproxy / nginx (req/s)" "$(ratio stdlib-reverseproxy nginx load 1)"
printf '%-44s %s\n' "integration-only / stdlib-reverseproxy" "$(ratio integration-only stdlib-reverseproxy load 1)"
printf '%-44s %s\n' "$proxy / nginx (CPU per request)" "$(ratio $proxy nginx load 4)"
if have genkan-mock; then printf '%-44s %s\n' "genkan-mock / direct (req/s)" "$(ratio genkan-mock direct load 1)"; fi
printf '%-44s %s us  (target <= 150)\n' "$proxy p50 added over direct, 1 connection" "$(added $proxy one 2)"
printf '%-44s %s us\n' "nginx p50 added over direct, 1 connection" "$(added nginx one 2)"
if [[ -n $RSS ]]; then printf '%-44s %s\n' "genkan idle RSS (VmRSS before load)" "$RSS"; fi
