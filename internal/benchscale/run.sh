#!/usr/bin/env bash
# How the cost of orgkit's hot requests grows with the number of organizations: for each N
# in $SCALES (default 10,000, 100,000 and 1,000,000) a fresh Postgres database is seeded
# with `orgkit dev seed`, served by `orgkit serve`, and measured over HTTP with wrk. Prints
# one Markdown table (rows: scenarios, columns: scales) and the machine it ran on.
#
#   make bench-scale                      # or: internal/benchscale/run.sh
#   SCALES="10000 100000" make bench-scale
#
# Environment: SCALES; PG_DSN, a postgres:// URL of a role that may CREATE DATABASE (default
# the local trust-auth Postgres); ORGKIT_BIN, the binary to measure (default bin/orgkit,
# built with `make build` when missing). Needs wrk, psql, curl, jq.
#
# Numbers compare within one run on one machine: they are not targets. Nothing else heavy
# should run meanwhile (the load average before and after is printed for that reason).
set -euo pipefail
shopt -s inherit_errexit  # set -e inside $(…) too

cd "$(dirname "$0")/../.."  # the repository root: bin/, the Makefile and the Lua script

SCALES=${SCALES:-10000 100000 1000000}
PG_DSN=${PG_DSN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
MEMBERS_PER_ORG=10
UNKNOWN=20000      # distinct unknown slugs/domains of the miss scenarios
WARMUP=2s          # discarded: connections, caches and the Go runtime settle
MEASURE=8s         # well under the 30 s negative-cache TTL: each unknown name reaches the database once
WRK=(wrk -t2 -c16 --latency --timeout 10s)  # 10 s, not wrk's 2 s: a slow answer is measured, not dropped as a socket error
SUPERADMIN_EMAIL=root@example.com
LUA=internal/benchhttp/unknown_slugs.lua  # random picks from a file of names, requests pre-formatted

for tool in wrk psql curl jq awk; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required (wrk: apt-get install -y wrk)" >&2; exit 1; }
done

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
randhex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- cleanup: whatever happens, stop the server and drop every database this run created ---
work=$(mktemp -d)
server_pid=""
databases=()

stop_server() {
  [[ -n $server_pid ]] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

cleanup() {
  local rc=$?
  set +e
  stop_server
  for db in ${databases[@]+"${databases[@]}"}; do
    # WITH (FORCE): the database goes even if a connection was left behind.
    psql "$PG_DSN" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 ||
      echo "run.sh: could not drop database $db: drop it by hand" >&2
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # through the EXIT trap

# dsn_for NAME: PG_DSN with its database replaced by NAME (query string kept).
dsn_for() {
  local base=${PG_DSN%%\?*}
  local query=${PG_DSN#"$base"}
  echo "${base%/*}/$1$query"
}

# free_port: a loopback port nothing listens on (a small race, caught by the readiness wait).
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# --- the binary ---
if [[ -n ${ORGKIT_BIN:-} ]]; then
  BIN=$ORGKIT_BIN
else
  BIN=bin/orgkit
  [[ -x $BIN ]] || { log "building $BIN"; make -s build >&2; }
fi
[[ -x $BIN ]] || die "$BIN is not an executable"

# --- unknown names for the miss scenarios ---
# Valid syntax, so resolve looks them up rather than refusing them as malformed: "zz" and six
# random letters (as internal/benchhttp/slugs.go makes them; no seeded slug looks like that),
# and unknown-<n>.example.com. Each server starts with an empty negative cache, so the same
# lists serve every scale.
awk -v n="$UNKNOWN" -v seed="$RANDOM" 'BEGIN {
  srand(seed); a = "abcdefghijklmnopqrstuvwxyz"
  while (count < n) {
    s = "zz"; for (i = 0; i < 6; i++) s = s substr(a, 1 + int(rand() * 26), 1)
    if (!(s in seen)) { seen[s] = 1; count++; print s }
  }
}' >"$work/slugs.txt"
seq 1 "$UNKNOWN" | sed 's/.*/unknown-&.example.com/' >"$work/domains.txt"

# --- measuring ---
# One scenario is a wrk command line after the common options: [-H …] [-s script] URL [-- args].
# expect is "ok" (every answer 2xx/3xx) or "404" (every answer a 404). wrk only counts answers
# that are not 2xx/3xx, so for "404" the check is: every answer counted there, and not one 5xx
# (the server logs each at error level, which ORGKIT_LOG_LEVEL=warn keeps); a 400 is ruled out
# by the probe of the same kind of name, a 429 by resolve having no rate limit.
declare -A rps p50 p99

# server_5xx: the 5xx answers the server has logged. Those of requests cancelled because their
# client left ("context canceled": wrk closes its connections at the end of a pass, some
# with a request in flight) reached nobody and are not counted.
server_5xx() { grep '"request failed"' "$server_log" | grep -vc 'context canceled' || true; }

# parse_wrk FILE: "rps p50_ms p99_ms requests non2xx3xx socket_errors", or fails when wrk's
# report lacks a number (a script error, an unreachable server).
parse_wrk() {
  awk '
    function ms(v,  n) { n = v + 0
      if (v ~ /us$/) return n / 1000; if (v ~ /ms$/) return n
      if (v ~ /m$/) return n * 60000; if (v ~ /s$/) return n * 1000; return -1 }
    $1 == "Requests/sec:" { r = $2 }
    $1 == "50%" { a = ms($2) }
    $1 == "99%" { b = ms($2) }
    $2 == "requests" && $3 == "in" { q = $1 }
    /Non-2xx or 3xx responses:/ { non = $NF }
    /Socket errors:/ { for (i = 3; i <= NF; i++) sock += $i + 0 }
    END { if (r == "" || a == "" || b == "" || q == "") exit 1
          print r, a, b, q, non + 0, sock + 0 }' "$1"
}

# run_wrk KEY SCALE EXPECT DURATION wrk-args…: one pass, checked; prints parse_wrk's line.
run_wrk() {
  local key=$1 n=$2 expect=$3 d=$4; shift 4
  local out="$work/wrk-$key-$n-$d.txt" before after line req non sock
  before=$(server_5xx)
  "${WRK[@]}" -d"$d" "$@" >"$out" 2>&1 || { cat "$out" >&2; die "$key at $n: wrk failed"; }
  after=$(server_5xx)
  line=$(parse_wrk "$out") || { cat "$out" >&2; die "$key at $n: no numbers in wrk's report"; }
  read -r _ _ _ req non sock <<<"$line"
  ((sock == 0)) || { cat "$out" >&2; die "$key at $n: $sock socket errors"; }
  ((after == before)) || { tail -5 "$server_log" >&2; die "$key at $n: the server answered $((after - before)) 5xx"; }
  if [[ $expect == ok ]]; then
    ((non == 0)) || { cat "$out" >&2; die "$key at $n: $non of $req answers were not 2xx/3xx"; }
  else
    ((non == req)) || { cat "$out" >&2; die "$key at $n: $((req - non)) of $req answers were 2xx/3xx, want every one 404"; }
  fi
  echo "$line"
}

# measure KEY SCALE EXPECT wrk-args…: the warm-up pass, then the measured one, recorded.
measure() {
  local key=$1 n=$2 expect=$3; shift 3
  local line r a b
  run_wrk "$key" "$n" "$expect" "$WARMUP" "$@" >/dev/null
  line=$(run_wrk "$key" "$n" "$expect" "$MEASURE" "$@")  # alone, so a failure stops the run
  read -r r a b _ <<<"$line"
  rps[$key,$n]=$r p50[$key,$n]=$a p99[$key,$n]=$b
  log "  $key: $r req/s, p50 $a ms, p99 $b ms"
}

# probe WANT URL [curl args…]: one request before any load, insisting on status WANT, so a
# refused token or a moved route fails here in the server's words; prints the body.
probe() {
  local want=$1 url=$2; shift 2
  local code
  code=$(curl -s -o "$work/probe.json" -w '%{http_code}' "$@" "$url") || die "GET $url: curl failed"
  [[ $code == "$want" ]] || die "GET $url: $code, want $want: $(head -c 500 "$work/probe.json")"
  cat "$work/probe.json"
}

# --- one scale ---
declare -A seed_s vacuum_s db_size matched
LOAD_START=$(loadavg)

run_scale() {
  local n=$1 db url port base secret srv_env out first_org first_user consultants member
  db="orgkit_scale_${n}_$(randhex 4)"
  url=$(dsn_for "$db")
  log "N=$n: database $db"
  psql "$PG_DSN" -qAtc "CREATE DATABASE \"$db\"" >/dev/null
  databases+=("$db")

  port=$(free_port) || die "no free port"
  base="http://127.0.0.1:$port"
  secret=$(randhex 32)
  srv_env=(
    ORGKIT_DATABASE_URL="$url"
    ORGKIT_LOG_LEVEL=warn            # no access log: the server writes nothing per request
    ORGKIT_DOMAIN_RECHECK=false      # no background queries during a pass
    ORGKIT_AUTH_HS256_SECRET="$secret"
    ORGKIT_SUPERADMIN_EMAILS="$SUPERADMIN_EMAIL"
    ORGKIT_HTTP_ADDR="127.0.0.1:$port"
    ORGKIT_SHUTDOWN_DELAY=0s         # stop at once: nothing is sent while it drains
    ORGKIT_DATA_DIR="$work/data"     # keep secrets and blobs out of the working tree
  )

  env "${srv_env[@]}" "$BIN" migrate up >"$work/migrate-$n.txt" 2>&1 ||
    { cat "$work/migrate-$n.txt" >&2; die "migrate up at $n"; }

  log "N=$n: seeding $n organizations × $MEMBERS_PER_ORG members"
  local t0=$EPOCHREALTIME
  out=$(env "${srv_env[@]}" "$BIN" dev seed --orgs "$n" --members-per-org "$MEMBERS_PER_ORG" 2>&1) ||
    { echo "$out" >&2; die "dev seed at $n"; }
  seed_s[$n]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  log "N=$n: seeded in ${seed_s[$n]} s"
  # The ids the seed gave, from its last report line ("… (ids A-B), … users (ids C-D) …").
  first_org=$(sed -n 's/.* organizations (ids \([0-9]*\)-.*/\1/p' <<<"$out")
  first_user=$(sed -n 's/.* users (ids \([0-9]*\)-.*/\1/p' <<<"$out")
  [[ -n $first_org && -n $first_user ]] || { echo "$out" >&2; die "cannot read the seeded ids"; }

  # Fresh statistics and visibility maps, as a database in service would have; CHECKPOINT so
  # the seed's dirty pages are written now, not in the middle of a measured pass.
  t0=$EPOCHREALTIME
  psql "$url" -qAtc 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null
  vacuum_s[$n]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  db_size[$n]=$(psql "$url" -qAtc 'SELECT pg_size_pretty(pg_database_size(current_database()))')

  server_log="$work/serve-$n.log"
  env "${srv_env[@]}" "$BIN" serve >"$server_log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    curl -fs -o /dev/null "$base/readyz" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$server_log" >&2; die "orgkit serve exited"; }
    sleep 0.2
  done
  curl -fs -o /dev/null "$base/readyz" || { cat "$server_log" >&2; die "orgkit serve not ready after 60 s"; }

  # Tokens. Seeded users have the subject seed|<id> and the email user-<id>@seed.example
  # (gormstore's seedPlan.user), so a token for one signs in as that user without a write.
  # Users 1..ceil(N/1000) are the "consultants", second member of 1,000 organizations each;
  # the first user after them is a regular member of about 9.
  mint() { env "${srv_env[@]}" "$BIN" token --sub "$1" --email "$2" --email-verified; }
  local root_tok member_tok consultant_tok
  root_tok=$(mint scale-root "$SUPERADMIN_EMAIL")
  consultants=$(((n + 999) / 1000))
  member=$((first_user + consultants))
  member_tok=$(mint "seed|$member" "user-$member@seed.example")
  consultant_tok=$(mint "seed|$first_user" "user-$first_user@seed.example")
  local root_h="Authorization: Bearer $root_tok"
  local member_h="Authorization: Bearer $member_tok"
  local consultant_h="Authorization: Bearer $consultant_tok"

  # Probes: each scenario answers as expected once, and the numbers it reads are the seed's.
  local orgs="$base/v1/organizations" resolve="$base/v1/public/organizations/resolve" total cursor hit_slug
  total=$(probe 200 "$orgs?page_size=25" -H "$root_h" | jq -r .meta.total)
  ((total == n)) || die "superadmin list at $n: meta.total $total, want $n"
  # Keyset paging: the cursor after the first 100 by created_at, asked for 25 at a time.
  cursor=$(probe 200 "$orgs?page_size=100&sort=created_at" -H "$root_h" | jq -r .meta.cursor)
  [[ -n $cursor && $cursor != null ]] || die "no meta.cursor at $n"
  [[ $(probe 200 "$orgs?page_size=25&sort=created_at&cursor=$cursor" -H "$root_h" | jq -r '.meta.page') == null ]] ||
    die "the cursor page at $n is not a keyset page (meta.page is not null)"
  matched[search,$n]=$(probe 200 "$orgs?q=acme&page_size=25" -H "$root_h" | jq -r .meta.total)
  matched[member,$n]=$(probe 200 "$orgs?page_size=25" -H "$member_h" | jq -r .meta.total)
  matched[consultant,$n]=$(probe 200 "$orgs?page_size=25" -H "$consultant_h" | jq -r .meta.total)
  hit_slug=$(printf 'org-%07d' $((first_org + 1)))  # org-0000002 on a fresh database
  probe 200 "$resolve?slug=$hit_slug" >/dev/null
  probe 404 "$resolve?slug=$(head -1 "$work/slugs.txt")" >/dev/null
  probe 404 "$resolve?domain=$(head -1 "$work/domains.txt")" >/dev/null

  log "N=$n: measuring (load average $(loadavg))"
  measure sa_name "$n" ok -H "$root_h" "$orgs?page_size=25"
  measure sa_created "$n" ok -H "$root_h" "$orgs?page_size=25&sort=created_at"
  measure sa_cursor "$n" ok -H "$root_h" "$orgs?page_size=25&sort=created_at&cursor=$cursor"
  measure sa_search "$n" ok -H "$root_h" "$orgs?q=acme&page_size=25"
  measure member "$n" ok -H "$member_h" "$orgs?page_size=25"
  measure consultant "$n" ok -H "$consultant_h" "$orgs?page_size=25"
  measure hit "$n" ok "$resolve?slug=$hit_slug"
  # A fresh server per scale, so both miss scenarios start with an empty negative cache.
  measure miss_slug "$n" 404 -s "$LUA" "$resolve?slug=" -- "$work/slugs.txt"
  measure miss_domain "$n" 404 -s "$LUA" "$resolve?domain=" -- "$work/domains.txt"

  stop_server
  psql "$PG_DSN" -qAtc "DROP DATABASE \"$db\" WITH (FORCE)" >/dev/null  # free the disk before the next scale
  unset 'databases[-1]'
}

for n in $SCALES; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "SCALES: $n is not a positive number"
  run_scale "$n"
done
LOAD_END=$(loadavg)

# --- the report ---
scale_label() { awk -v n="$1" 'BEGIN {
  if (n >= 1e6 && n % 1e6 == 0) print n / 1e6 "M"; else if (n >= 1e3 && n % 1e3 == 0) print n / 1e3 "k"; else print n }'; }
# AWK_FMT: c(x) is x rounded, with thousands separators; t(x) a latency in ms, 2-3 digits.
AWK_FMT='
  function t(x) { return x < 1 ? sprintf("%.2f", x) : x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x) }
  function c(x,  s, out) { s = sprintf("%d", x + 0.5)
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    return s out }'
# cell RPS P50 P99: "4,210 /s, 3.1 ms (p99 9.8 ms)"
cell() { awk -v r="$1" -v a="$2" -v b="$3" "$AWK_FMT"' BEGIN { printf "%s /s, %s ms (p99 %s ms)", c(r), t(a), t(b) }'; }
cell_count() { awk -v n="$1" "$AWK_FMT"' BEGIN { printf "%s", c(n) }'; }

labels=(
  "sa_name|superadmin list \`GET /v1/organizations?page_size=25\` (by name, page 1)"
  "sa_created|superadmin list \`…&sort=created_at\`, page 1"
  "sa_cursor|superadmin list \`…&sort=created_at&cursor=…\` (keyset, the page after row 100)"
  "sa_search|superadmin search \`…?q=acme&page_size=25\`"
  "member|member list \`…?page_size=25\` (seeded member)"
  "consultant|member list \`…?page_size=25\` (seeded consultant)"
  "hit|resolve hit \`?slug=org-0000002\` (warm cache)"
  "miss_slug|resolve miss \`?slug=zz…\` ($(cell_count "$UNKNOWN") distinct unknown slugs, all 404)"
  "miss_domain|resolve miss \`?domain=unknown-<n>.example.com\` ($(cell_count "$UNKNOWN") distinct, all 404)"
)

header="| scenario |" rule="|---|"
for n in $SCALES; do header+=" $(scale_label "$n") orgs |"; rule+="---|"; done
echo
echo "$header"
echo "$rule"
for entry in "${labels[@]}"; do
  key=${entry%%|*} row="| ${entry#*|} |"
  for n in $SCALES; do row+=" $(cell "${rps[$key,$n]}" "${p50[$key,$n]}" "${p99[$key,$n]}") |"; done
  echo "$row"
done
row="| \`dev seed --members-per-org $MEMBERS_PER_ORG\` (wall) |"
for n in $SCALES; do row+=" ${seed_s[$n]} s |"; done
echo "$row"
row="| VACUUM ANALYZE + CHECKPOINT |"
for n in $SCALES; do row+=" ${vacuum_s[$n]} s |"; done
echo "$row"
row="| database size |"
for n in $SCALES; do row+=" ${db_size[$n]} |"; done
echo "$row"
row="| rows matched: search / member / consultant |"
for n in $SCALES; do row+=" ${matched[search,$n]} / ${matched[member,$n]} / ${matched[consultant,$n]} |"; done
echo "$row"

pg_version=$(psql "$PG_DSN" -qAtc 'SHOW server_version')
pg_buffers=$(psql "$PG_DSN" -qAtc 'SHOW shared_buffers')
cpu=$(awk -F': *' '$1 ~ /^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "wrk ${WRK[*]:1}, $WARMUP warm-up then $MEASURE measured per scenario; one \`orgkit serve\` per scale"
echo "($("$BIN" version)) on a fresh database of Postgres $pg_version (shared_buffers $pg_buffers), in-process caches."
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores; load average (1/5/15 min) $LOAD_START before, $LOAD_END after."
