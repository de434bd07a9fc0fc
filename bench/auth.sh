#!/usr/bin/env bash
# bench/auth.sh: what access control costs. The same HTTP_PROXY route to bench/backend is
# served open and behind an API key, a Lambda TOKEN authorizer (bench/functions/authorizer-go,
# result cached for 300 s) and a JWT authorizer (bench/idp on loopback; the keys and the
# token's verification cached), by one genkan process. Rounds are interleaved and the table
# reports the median over rounds of each auth route's throughput divided by its open
# counterpart's in the same round. Target (issue 4): every ratio >= 0.9.
#
# Usage: bench/auth.sh [-d SECONDS] [-c CONNECTIONS] [-t THREADS] [-r ROUNDS]
# Needs wrk and curl (Debian: apt-get install -y wrk curl) and the Go toolchain.
set -euo pipefail

DURATION=10 CONNS=50 THREADS=2 ROUNDS=3
while getopts "d:c:t:r:h" opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	*) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

BACKEND_PORT=9041 GENKAN_PORT=9042 ADMIN_PORT=9043 IDP_PORT=9044
HOST=127.0.0.1
KEY=bench-api-key-0123456789abcdef

cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/genkan-auth-bench.XXXXXX")
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "auth.sh: $*" >&2; exit 1; }
note() { echo "-- $*" >&2; }

for c in wrk curl go; do command -v $c >/dev/null || die "missing $c"; done
for port in $BACKEND_PORT $GENKAN_PORT $ADMIN_PORT $IDP_PORT; do
	if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then die "port $port is already in use"; fi
done
ulimit -n 65536 2>/dev/null || true

note "building"
go build -o "$WORK/backend" ./bench/backend
go build -o "$WORK/idp" ./bench/idp
go build -o "$WORK/genkan" ./cmd/genkan
go build -o "$WORK/authorizer" ./bench/functions/authorizer-go

start() {
	local name=$1
	shift
	"$@" >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	eval "PID_${name//-/_}=$!"
}
wait_url() {
	local url=$1 name=$2 i
	shift 2
	for i in $(seq 200); do
		if curl -fsS -o /dev/null "$@" "$url" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	cat "$WORK/$name.log" >&2 || true
	die "$name did not answer $url"
}

start backend "$WORK/backend" -listen "$HOST:$BACKEND_PORT"
start idp "$WORK/idp" -listen "$HOST:$IDP_PORT" -token "$WORK/token" -aud bench
wait_url "http://$HOST:$BACKEND_PORT/b/item" backend
wait_url "http://$HOST:$IDP_PORT/jwks.json" idp
TOKEN=$(cat "$WORK/token")

cat >"$WORK/genkan.yaml" <<EOF
functions:
  authz: { runtime: provided.al2023, code: $WORK/authorizer }
apis:
  - id: rest
    stages: { b: {} }
    authorizers:
      tok: { type: token, function: authz, ttl: 300 }
    routes:
      GET /open: { proxy: http://$HOST:$BACKEND_PORT/b/item }
      GET /key: { proxy: http://$HOST:$BACKEND_PORT/b/item, apiKeyRequired: true }
      GET /lambda: { proxy: http://$HOST:$BACKEND_PORT/b/item, auth: tok }
  - id: http
    protocol: HTTP
    authorizers:
      oidc: { type: jwt, issuer: http://$HOST:$IDP_PORT, audience: [bench] }
    routes:
      GET /open: { proxy: http://$HOST:$BACKEND_PORT/b/item }
      GET /jwt: { proxy: http://$HOST:$BACKEND_PORT/b/item, auth: oidc }
apiKeys:
  bench: { value: $KEY, plans: [bench] }
usagePlans:
  bench: { stages: [{ api: rest, stage: b }] }
EOF
start genkan "$WORK/genkan" serve "$WORK/genkan.yaml" --listen "$HOST:$GENKAN_PORT" \
	--admin-listen "$HOST:$ADMIN_PORT" --state-dir "$WORK/state"
G="http://$HOST:$GENKAN_PORT"
wait_url "$G/b/open" genkan -H "Host: rest.execute-api.localhost"

# Targets: name, URL, and the headers wrk sends. Each must answer 200 before load starts.
# http-open-token is the open route sent the JWT route's exact request, Authorization header
# included: the header (about 900 bytes, forwarded to the backend as AWS forwards it) costs
# the same with or without an authorizer, so it is the baseline that isolates the check.
NAMES=(rest-open apikey lambda http-open http-open-token jwt)
URLS=("$G/b/open" "$G/b/key" "$G/b/lambda" "$G/open" "$G/open" "$G/jwt")
HOSTS=(rest rest rest http http http)
AUTH=("" "x-api-key: $KEY" "Authorization: allow" "" "Authorization: Bearer $TOKEN" "Authorization: Bearer $TOKEN")
for i in "${!NAMES[@]}"; do
	args=(-H "Host: ${HOSTS[$i]}.execute-api.localhost")
	[[ -n ${AUTH[$i]} ]] && args+=(-H "${AUTH[$i]}")
	code=$(curl -sS -o /dev/null -w '%{http_code}' "${args[@]}" "${URLS[$i]}")
	[[ $code == 200 ]] || die "${NAMES[$i]} answered $code at ${URLS[$i]}"
done

cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
run() {
	local i=$1 out rps n c0 c1 cpu errs args
	args=(-H "Host: ${HOSTS[$i]}.execute-api.localhost")
	[[ -n ${AUTH[$i]} ]] && args+=(-H "${AUTH[$i]}")
	c0=$(cputicks "$PID_genkan")
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "${args[@]}" "${URLS[$i]}" 2>&1) || die "wrk failed: $out"
	c1=$(cputicks "$PID_genkan")
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	n=$(awk '/requests in/ {print $1}' <<<"$out")
	cpu=$(awk -v t=$((c1 - c0)) -v n="$n" -v hz="$HZ" 'BEGIN {printf "%.1f", n ? t * 1e6 / hz / n : 0}')
	errs=$(awk '/Non-2xx|Socket errors/' <<<"$out")
	[[ -z $errs ]] || note "${NAMES[$i]}: $errs"
	echo "$rps $cpu" >>"$WORK/res.${NAMES[$i]}"
	printf '   %-10s %10.0f req/s  genkan cpu %6.1f us/req\n' "${NAMES[$i]}" "$rps" "$cpu" >&2
}

note "load: $ROUNDS rounds x ${#NAMES[@]} routes, ${DURATION}s at $CONNS connections"
n=${#NAMES[@]}
for ((r = 0; r < ROUNDS; r++)); do
	note "round $((r + 1))/$ROUNDS"
	for ((k = 0; k < n; k++)); do run $(((k + r) % n)); done
done

col() { awk -v f="$2" -v r="$3" 'NR == r {print $f}' "$WORK/res.$1"; }
median() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() {
	local r
	for ((r = 1; r <= ROUNDS; r++)); do
		awk -v a="$(col "$1" 1 $r)" -v b="$(col "$2" 1 $r)" 'BEGIN {printf "%.3f\n", a / b}'
	done | median
}
mcol() { local r; for ((r = 1; r <= ROUNDS; r++)); do col "$1" "$2" $r; done | median; }

authz_calls=$(grep -c "START RequestId" "$WORK/state/logs/authz.log" || true)
echo
echo "| route | req/s (median) | genkan CPU µs/req | throughput / open route | target |"
echo "|---|---|---|---|---|"
for pair in "rest-open:" "apikey:rest-open" "lambda:rest-open" "http-open:" "http-open-token:" "jwt:http-open" "jwt:http-open-token"; do
	name=${pair%%:*} base=${pair#*:}
	r="—" target=""
	if [[ -n $base ]]; then
		r=$(ratio "$name" "$base")
		target=$(awk -v r="$r" 'BEGIN {print (r >= 0.9) ? "met (>= 0.9)" : "missed (>= 0.9)"}')
	fi
	label=$name
	[[ -n $base ]] && label="$name vs $base"
	printf '| %s | %.0f | %s | %s | %s |\n' "$label" "$(mcol "$name" 1)" "$(mcol "$name" 2)" "$r" "$target"
done
echo
echo "Lambda authorizer invocations during the run: $authz_calls (1 means every request after the first was served from the cache)"
