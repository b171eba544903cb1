#!/bin/sh
# The kernel matrix's checks, run inside a guest booted with one of Debian's stock kernels
# (guest-init.sh has started the test hosts). Prints one line per check:
#   EWCHECK PASS <name> | EWCHECK FAIL <name>: <why>
# followed, for a failure, by what egresswatch printed; and doctor's output at the end.
# What to expect comes from the environment (boot.sh puts it on the kernel command line):
#   EW_EXPECT=supported  everything works, and HTTPS requests are joined to their sockets
#                        through EW_TLS_HOOK (tracepoint, fentry, kprobe); each hook in
#                        EW_ALSO_TLS_HOOKS (comma-separated) is checked too, forced; exits
#                        come from EW_EXIT_HOOK (group_dead, live_count)
#   EW_EXPECT=refuse     egresswatch refuses in one line that contains EW_MISSING
ew=/usr/sbin/egresswatch
# The kernel command line cannot hold spaces: boot.sh sent them as underscores.
EW_MISSING=$(echo "${EW_MISSING:-}" | tr _ ' ')
work=/tmp/checks
mkdir -p $work
cd $work || exit 1

pass() { echo "EWCHECK PASS $1"; }
fail() {
  echo "EWCHECK FAIL $1: $2"
  shift 2
  for f in "$@"; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done
}
# count FILE FILTER: how many events.jsonl lines match the jq FILTER.
count() { jq -c "select($2)" "$1" 2>/dev/null | wc -l; }
# The words doctor and the start record use for each TLS socket hook.
hook_words() {
  case $1 in
    tracepoint) echo "tp_btf/sock_send_length" ;;
    fentry) echo "fentry/tcp_sendmsg" ;;
    kprobe) echo "kprobe/tcp_sendmsg" ;;
  esac
}

echo; echo "EWKERNEL $(uname -r)"
if [ "$EW_EXPECT" = refuse ]; then
  $ew run -q -o $work/refuse -- /bin/true > run.out 2> run.err
  rc=$?
  lines=$(wc -l < run.err)
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q "$EW_MISSING" run.err; then pass run-refuses
  else fail run-refuses "exit $rc, $lines lines on stderr; expected 2 and one line naming '$EW_MISSING'" run.err; fi
  [ -e $work/refuse/events.jsonl ] && fail run-refuses-cleanly "it wrote events.jsonl" || pass run-refuses-cleanly
  $ew run -q -o $work/refuse --enforce /dev/null -- /bin/true > enforce.out 2> enforce.err
  [ $? -eq 2 ] && pass enforce-refuses-to-start || fail enforce-refuses-to-start "exit $?" enforce.err
  $ew doctor > doctor.out 2>&1
  rc=$?
  if [ $rc -ne 0 ] && grep -q "^not ready: .*$EW_MISSING" doctor.out; then pass doctor-not-ready
  else fail doctor-not-ready "exit $rc; expected non-zero and 'not ready' naming '$EW_MISSING'" doctor.out; fi
  echo "--- doctor"; cat doctor.out
  exit 0
fi

# doctor: ready, with nothing refused, and it names the hook that joins TLS calls to sockets.
$ew doctor > doctor.out 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "^ready: " doctor.out; then pass doctor-ready
else fail doctor-ready "exit $rc" doctor.out; fi
words=$(hook_words "$EW_TLS_HOOK")
grep -q "sockets joined through $words" doctor.out && pass "doctor-tls-socket-hook-$EW_TLS_HOOK" \
  || fail "doctor-tls-socket-hook-$EW_TLS_HOOK" "doctor does not name $words" doctor.out

# run with defaults: names, an HTTP request from the packets, an HTTPS request from
# OpenSSL's plaintext, joined to its connection.
$ew run -q -o $work/run -- sh -c 'curl -sS -o /dev/null http://mirror.test:8080/x.txt &&
  curl -sS --cacert /srv/cert.pem -o /dev/null https://mirror.test/y.txt' > run.out 2> run.err
rc=$?
ev=$work/run/events.jsonl
[ $rc -eq 0 ] && [ ! -s run.err ] && pass run-clean-exit || fail run-clean-exit "exit $rc, or a warning" run.err
[ "$(count $ev '.type=="dns" and .question=="mirror.test"')" -ge 1 ] && pass run-dns \
  || fail run-dns "no DNS answer for mirror.test" $ev
[ "$(count $ev '.type=="connect" and .daddr=="198.18.0.10" and .dport==8080 and .host=="mirror.test"')" -eq 1 ] \
  && pass run-named-connect || fail run-named-connect "no connect to 198.18.0.10:8080 named mirror.test" $ev
[ "$(count $ev '.type=="http" and .tls==false and .path=="/x.txt" and .status==200 and .exe=="/usr/bin/curl"')" -eq 1 ] \
  && pass run-http || fail run-http "no plaintext HTTP request for /x.txt" $ev
[ "$(count $ev '.type=="tls" and .sni=="mirror.test"')" -eq 1 ] && pass run-tls-sni \
  || fail run-tls-sni "no ClientHello naming mirror.test" $ev
[ "$(count $ev '.type=="http" and .tls==true and .tls_library=="openssl" and .path=="/y.txt" and .status==200 and .dport==443 and .cookie!=0')" -eq 1 ] \
  && pass run-https-plaintext || fail run-https-plaintext "no HTTPS request for /y.txt joined to its connection" $ev
# A Go program's HTTPS request, read from Go's crypto/tls (HTTP/1.0 from s_server -WWW).
$ew run -q -o $work/go -- go_https_client -cacert /srv/cert.pem https://mirror.test/y.txt > go.out 2> go.err
rc=$?
gev=$work/go/events.jsonl
if [ $rc -eq 0 ] && [ ! -s go.err ] \
   && [ "$(count $gev '.type=="start" and (.kernel_features.tls_plaintext_go | length > 0)')" -eq 1 ] \
   && [ "$(count $gev '.type=="http" and .tls_library=="go" and .path=="/y.txt" and .status==200 and .dport==443 and .cookie!=0')" -eq 1 ]; then
  pass run-go-https-plaintext
else fail run-go-https-plaintext "exit $rc; no HTTPS request for /y.txt from Go's crypto/tls joined to its connection" go.err go.out $gev $work/go/report.json; fi
[ "$(count $ev ".type==\"start\" and (.kernel_features.tls_plaintext | contains(\"$words\"))")" -eq 1 ] \
  && pass run-start-names-tls-hook || fail run-start-names-tls-hook "the start record does not name $words" $ev
[ "$(jq -r 'select(.type=="lost") | .total' $ev | tail -n 1)" = 0 ] && pass run-nothing-lost \
  || fail run-nothing-lost "events were lost" $ev
case $EW_EXIT_HOOK in
  group_dead) words="group_dead argument" ;;
  live_count) words="live thread count" ;;
esac
[ "$(count $ev ".type==\"start\" and (.kernel_features.process_lineage | contains(\"$words\"))")" -eq 1 ] \
  && pass "run-exits-through-$EW_EXIT_HOOK" || fail "run-exits-through-$EW_EXIT_HOOK" "the start record does not name $words" $ev

# Other TLS socket hooks this kernel has, forced one at a time.
for hook in $(echo "$EW_ALSO_TLS_HOOKS" | tr , ' '); do
  words=$(hook_words "$hook")
  EGRESSWATCH_TEST_TLS_SOCKET_HOOK=$hook $ew run -q -o $work/$hook -- \
    curl -sS --cacert /srv/cert.pem -o /dev/null https://mirror.test/y.txt > $hook.out 2> $hook.err
  rc=$?
  ev=$work/$hook/events.jsonl
  if [ $rc -eq 0 ] && [ ! -s $hook.err ] \
     && [ "$(count $ev ".type==\"start\" and (.kernel_features.tls_plaintext | contains(\"$words\"))")" -eq 1 ] \
     && [ "$(count $ev '.type=="http" and .tls==true and .path=="/y.txt" and .status==200 and .cookie!=0')" -eq 1 ]; then
    pass "https-plaintext-through-$hook"
  else fail "https-plaintext-through-$hook" "exit $rc; no HTTPS request joined through $words" $hook.err $ev; fi
done

# Every process reports its exit exactly once, also when its threads exit at the same
# instant (on 6.1 and 6.12 the kernel deduplicates what the live thread count reports).
$ew run -q -o $work/exits -- sh -c 'i=0; while [ $i -lt 300 ]; do threads_exit 2; i=$((i + 1)); done' \
  > exits.out 2> exits.err
ev=$work/exits/events.jsonl
execs=$(count $ev '.type=="exec" and .exe=="/usr/bin/threads_exit"')
exited=$(jq -r 'select(.type=="exit" and .exe=="/usr/bin/threads_exit") | .pid' $ev | sort -u | wc -l)
exit_lines=$(count $ev '.type=="exit" and .exe=="/usr/bin/threads_exit"')
if [ "$execs" -eq 300 ] && [ "$exited" -eq 300 ] && [ "$exit_lines" -eq 300 ]; then pass run-exits-once
else fail run-exits-once "$execs processes executed; $exit_lines exit lines for $exited processes (expected 300 each)" exits.err; fi

# watch: the whole host, for a few seconds.
$ew watch -q -o $work/watch --duration 8s > watch.out 2> watch.err &
watcher=$!
i=0
while [ $i -lt 100 ] && ! grep -q '"type":"start"' $work/watch/events.jsonl 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
curl -sS -o /dev/null http://mirror.test:8080/x.txt
wait $watcher
rc=$?
ev=$work/watch/events.jsonl
[ $rc -eq 0 ] && pass watch-exit-status || fail watch-exit-status "exit $rc" watch.err
[ "$(count $ev '.type=="connect" and .daddr=="198.18.0.10" and .dport==8080 and .exe=="/usr/bin/curl" and .host=="mirror.test"')" -ge 1 ] \
  && pass watch-named-connect || fail watch-named-connect "no connect by curl to mirror.test:8080" watch.err $ev
[ "$(count $ev '.type=="http" and .path=="/x.txt" and .status==200')" -ge 1 ] \
  && pass watch-http || fail watch-http "no HTTP request for /x.txt" watch.err $ev

# run --enforce: a host entry learned through DNS is allowed; another name and an address
# outside the allowlist are refused with EPERM; ICMP echo only where an icmp entry allows it
# (judged in the packet program, which reads the sender from its BTF on these kernels;
# by comm: busybox re-executes itself, so its exe is /proc/self/exe).
cat > allow.yaml <<'YAML'
version: 1
destinations:
  - host: allowed.test
    port: 8080
    proto: tcp
  - addresses: [198.18.0.11]
    proto: icmp
YAML
$ew run -q -o $work/enforce --enforce allow.yaml -- sh -c '
  curl -sS -o /dev/null http://allowed.test:8080/x.txt; echo "allowed $?"
  curl -sS -o /dev/null http://denied.test:8080/x.txt; echo "denied $?"
  curl -sS -o /dev/null http://198.18.0.12:8080/x.txt; echo "address $?"
  busybox ping -c 1 -W 2 198.18.0.11 > /dev/null 2>&1; echo "ping-allowed $?"
  busybox ping -c 1 -W 2 198.18.0.12 > /dev/null 2>&1; echo "ping-denied $?"' > enforce.out 2> enforce.err
rc=$?
ev=$work/enforce/events.jsonl
[ $rc -eq 0 ] && pass enforce-exit-status || fail enforce-exit-status "exit $rc" enforce.err
grep -q "^allowed 0$" enforce.out && pass enforce-allows-learned-host \
  || fail enforce-allows-learned-host "curl to allowed.test failed" enforce.out enforce.err $ev
# curl exits 7 when connect() fails.
grep -q "^denied 7$" enforce.out && grep -q "^address 7$" enforce.out && pass enforce-refuses \
  || fail enforce-refuses "a destination outside the allowlist was reached" enforce.out enforce.err $ev
[ "$(count $ev '.type=="blocked" and .daddr=="198.18.0.12" and .dport==8080')" -ge 2 ] \
  && [ "$(count $ev '.type=="connect" and .daddr=="198.18.0.12"')" -eq 0 ] \
  && pass enforce-reports-blocked || fail enforce-reports-blocked "refusals not reported as blocked" enforce.err $ev
grep -q "^ping-allowed 0$" enforce.out && ! grep -q "^ping-denied 0$" enforce.out \
  && [ "$(count $ev '.type=="blocked" and .proto=="icmp" and .daddr=="198.18.0.12" and .comm=="busybox"')" -ge 1 ] \
  && [ "$(count $ev '.type=="send" and .proto=="icmp" and .daddr=="198.18.0.11" and .comm=="busybox"')" -eq 1 ] \
  && pass enforce-icmp || fail enforce-icmp "ICMP echo not judged or not recorded by process" enforce.out enforce.err $ev

echo "--- doctor"; cat doctor.out
exit 0
