#!/usr/bin/env bash
# Resident memory of `ebok serve` with only the email front end on the demo database:
# idle, then after one large command mail (default 25 MB: a short command and a big
# attachment), read from /proc/PID/status (VmRSS now, VmHWM the peak so far).
# Real Dovecot + Postfix on loopback (scripts/mailstack.sh; run as root), ebok on SQLite.
#   cargo build --release && scripts/serve-memory.sh            # BIN=target/release/ebok
#   MAIL_MB=25 BIN=path/to/ebok scripts/serve-memory.sh
# Prints lines "idle VmRSS=… VmHWM=…" and "after_mail VmRSS=… VmHWM=…" (kB).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/target/release/ebok}
MAIL_MB=${MAIL_MB:-25}
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release first" >&2; exit 1; }
W=$(mktemp -d)
chmod 755 "$W"   # the dovecot/postfix users traverse it
export MT=$W/mail
mkdir -p "$MT"
# ports: a free block unless the caller set them
base=$(( 30000 + (RANDOM % 2000) * 10 ))
export IMAP_PORT=${IMAP_PORT:-$base} IMAPS_PORT=${IMAPS_PORT:-$((base+1))} LMTP_PORT=${LMTP_PORT:-$((base+2))}
export SMTP_PORT=${SMTP_PORT:-$((base+3))} AUTH_PORT=${AUTH_PORT:-$((base+4))}
HTTP_PORT=${HTTP_PORT:-$((base+5))}
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  scripts/mailstack.sh stop >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
scripts/mailstack.sh start >/dev/null
eval "$(scripts/mailstack.sh env)"

(cd "$W" && "$BIN" --database "sqlite:$W/demo.sqlite" demo --no-console >/dev/null)
cat > "$W/ebok.toml" <<TOML
[database]
url = "sqlite:$W/demo.sqlite"
[smtp]
host = "127.0.0.1"
port = $SMTP_PORT
tls = "starttls"
ca_cert = "$MAIL_CA_CERT"
from_address = "ebok@$MAIL_DOMAIN"
from_name = "e-BOK"
timeout_seconds = 30
[email]
imap_host = "127.0.0.1"
imap_port = $IMAP_PORT
imap_tls = "starttls"
imap_user = "ebok@$MAIL_DOMAIN"
imap_password = "$MAIL_PASS"
mailbox = "INBOX"
ca_cert = "$MAIL_CA_CERT"
[http]
listen = "127.0.0.1:$HTTP_PORT"
TOML
RUST_LOG=${RUST_LOG:-warn} "$BIN" --config "$W/ebok.toml" serve 2>"$W/serve.log" &
PID=$!

until_ok() { # until_ok SECONDS CMD...: polls CMD every 0.2 s
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timed out: $*" >&2; tail -20 "$W/serve.log" >&2; echo "now $(mem)" >&2; return 1; }
    sleep 0.2
  done
}
mem() { awk '/^VmRSS|^VmHWM/ {printf "%s=%s kB ", $1, $2}' "/proc/$PID/status" | tr -d ':'; echo; }
answered() { curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" | grep -q '^ebok_imap_mails_total{outcome="answered"'; }

until_ok 60 curl -sf "http://127.0.0.1:$HTTP_PORT/readyz"
sleep 3
echo "idle $(mem)"

# One mail: the command, then an attachment of MAIL_MB megabytes (base64).
python3 - "$W/big.eml" "$MAIL_MB" "$MAIL_DOMAIN" <<'PY'
import base64, os, sys
path, mb, domain = sys.argv[1], float(sys.argv[2]), sys.argv[3]
raw = os.urandom(int(mb * 1024 * 1024 * 3 / 4))
b64 = base64.encodebytes(raw).decode()
with open(path, "w", newline="\r\n") as f:
    f.write(f"From: Jan Kowalski <jan@{domain}>\nTo: ebok@{domain}\nSubject: KONTAKT\n"
            f"Message-ID: <big-{os.getpid()}@{domain}>\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
            "Content-Type: text/plain; charset=utf-8\n\nKONTAKT\n\n--b\n"
            "Content-Type: application/octet-stream; name=\"scan.bin\"\n"
            "Content-Transfer-Encoding: base64\n\n")
    f.write(b64)
    f.write("\n--b--\n")
PY
echo "mail $(du -k "$W/big.eml" | cut -f1) kB"
# Straight into the mailbox over IMAP, unseen (Postfix would refuse a mail this big).
python3 - "$W/big.eml" "$IMAP_PORT" "ebok@$MAIL_DOMAIN" "$MAIL_PASS" <<'PY'
import imaplib, sys
path, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login(user, password)
imap.append("INBOX", None, None, open(path, "rb").read())
imap.logout()
PY
until_ok 120 answered
sleep 2
echo "after_mail $(mem)"
kill -TERM "$PID"
rc=0; wait "$PID" || rc=$?
PID=""
echo "exit $rc"
