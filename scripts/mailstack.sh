#!/usr/bin/env bash
# Throwaway Dovecot (IMAP+LMTP) + Postfix (SMTP) stack on 127.0.0.1, all state under $MT.
# usage: MT=dir scripts/mailstack.sh start|stop|env
# env (all optional): IMAP_PORT 1143 (IMAP + STARTTLS), IMAPS_PORT 1993, LMTP_PORT 2424,
#   SMTP_PORT 2525, AUTH_PORT 12345 (Dovecot SASL for Postfix), MAIL_PASS secret,
#   MAIL_USERS "*" (any user@anything logs in with MAIL_PASS) or "alice bob" (only those @MAIL_DOMAIN),
#   MAIL_DOMAIN example.test, MAIL_SMTP_DOMAINS static:all (Postfix delivers EVERY domain into
#   Dovecot, $MT/mail/<domain>/<user>; set e.g. "example.test" to bounce other domains).
# Nothing ever leaves the machine: non-local transports are `error:`.
set -euo pipefail
MT=${MT:?set MT to an empty directory, e.g. MT=$(mktemp -d)}
IMAP_PORT=${IMAP_PORT:-1143}
IMAPS_PORT=${IMAPS_PORT:-1993}
LMTP_PORT=${LMTP_PORT:-2424}
SMTP_PORT=${SMTP_PORT:-2525}
AUTH_PORT=${AUTH_PORT:-12345}
PASS=${MAIL_PASS:-secret}
USERS=${MAIL_USERS:-"*"}
DOMAIN=${MAIL_DOMAIN:-example.test}
# domains Postfix delivers into Dovecot; "static:all" = catch-all sink (every domain lands in $MT/mail/<domain>/<user>)
SMTP_DOMAINS=${MAIL_SMTP_DOMAINS:-static:all}

die() { echo "mailstack: $*" >&2; exit 1; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
show_logs() {
  tail -n 30 "$MT/dovecot/startup.log" "$MT/dovecot/dovecot.log" "$MT/postfix/postfix.log" >&2 2>/dev/null || true
}

start() {
  command -v dovecot >/dev/null && command -v postfix >/dev/null && command -v doveadm >/dev/null \
    || die "dovecot/postfix not installed: run scripts/mail-install.sh"
  [ "$(id -u)" = 0 ] || die "must run as root (Dovecot and Postfix drop privileges to their own users)"
  for p in $IMAP_PORT $IMAPS_PORT $LMTP_PORT $SMTP_PORT $AUTH_PORT; do
    port_busy "$p" && die "port 127.0.0.1:$p is already in use (a leftover stack? stop it with the same MT, or change the *_PORT variables)"
  done
  mkdir -p "$MT"/{dovecot/run,dovecot/state,mail,tls,postfix/etc,postfix/queue,postfix/data}
  # the dovecot/postfix users must be able to traverse $MT (mktemp -d makes it 0700 -> "Permission denied")
  chmod 755 "$MT"
  # --- self-signed cert for STARTTLS / IMAPS (CN=localhost, SAN localhost + 127.0.0.1)
  if [ ! -f "$MT/tls/cert.pem" ]; then
    # leaf cert with CA:FALSE: rustls/webpki rejects the default `openssl req -x509` cert
    # (basicConstraints CA:TRUE from openssl.cnf v3_ca) with CaUsedAsEndEntity
    printf '[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=localhost\n[ext]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > "$MT/tls/openssl.cnf"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -config "$MT/tls/openssl.cnf" \
      -keyout "$MT/tls/key.pem" -out "$MT/tls/cert.pem" 2>/dev/null
    chmod 644 "$MT/tls/key.pem" "$MT/tls/cert.pem"
  fi
  # --- mailbox storage owned by the 'dovecot' system user (exists after apt install)
  chown -R dovecot:dovecot "$MT/mail"
  # passdb: MAIL_USERS="ebok alice" -> only those (passwd-file); MAIL_USERS="*" (default) -> ANY
  # user@anything logs in with $PASS and gets a mailbox on first delivery (per-test isolation)
  if [ "$USERS" = "*" ]; then
    PASSDB="driver = static
  args = password=$PASS"
  else
    : > "$MT/dovecot/users"
    for u in $USERS; do echo "$u@$DOMAIN:{PLAIN}$PASS::::::" >> "$MT/dovecot/users"; done
    PASSDB="driver = passwd-file
  args = scheme=PLAIN username_format=%u $MT/dovecot/users"
  fi
  cat > "$MT/dovecot/dovecot.conf" <<CONF
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $MT/dovecot/run
state_dir = $MT/dovecot/state
instance_name = dovecot-mt
log_path = $MT/dovecot/dovecot.log
info_log_path = $MT/dovecot/dovecot.log
ssl = yes
ssl_cert = <$MT/tls/cert.pem
ssl_key = <$MT/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_uid = dovecot
mail_gid = dovecot
first_valid_uid = 1
mail_location = maildir:$MT/mail/%d/%n
mail_privileged_group =
passdb {
  $PASSDB
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$MT/mail/%d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  # SASL backend for Postfix (smtpd_sasl_type = dovecot)
  inet_listener {
    address = 127.0.0.1
    port = $AUTH_PORT
  }
}
protocol lmtp {
  # LMTP receives full addresses; keep domain so %d/%n work
  auth_username_format = %Lu
}
CONF
  # NB: dovecot master keeps the caller's stderr open forever -> redirect it, or a CI "| tee" pipe never closes
  dovecot -c "$MT/dovecot/dovecot.conf" </dev/null >/dev/null 2>>"$MT/dovecot/startup.log" \
    || { show_logs; die "dovecot failed to start"; }

  # --- Postfix with its own config + queue dir, no chroot, delivering via LMTP to Dovecot
  PF="$MT/postfix"
  cp /usr/share/postfix/master.cf.dist "$PF/etc/master.cf" 2>/dev/null || cp /etc/postfix/master.cf "$PF/etc/master.cf"
  # no chroot (column 5 -> n) and smtpd on 127.0.0.1:$SMTP_PORT instead of :25
  awk '/^[a-z0-9.:-]+ +(inet|unix|unix-dgram|fifo|pass) / { if ($5=="y"||$5=="-") $5="n" } {print}' "$PF/etc/master.cf" \
    | sed -E 's/^smtp +inet /127.0.0.1:'"$SMTP_PORT"' inet /' > "$PF/etc/master.cf.tmp" && mv "$PF/etc/master.cf.tmp" "$PF/etc/master.cf"
  cat > "$PF/etc/main.cf" <<CONF
compatibility_level = 3.6
config_directory = $PF/etc
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = \$mydomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
# never try the Internet: anything not for $DOMAIN bounces at once
default_transport = error:external delivery disabled in test rig
relay_transport = error:external delivery disabled in test rig
# everything for our test domain goes to Dovecot LMTP
virtual_mailbox_domains = $SMTP_DOMAINS
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination
# SASL via Dovecot, plaintext AUTH allowed (loopback test rig)
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$AUTH_PORT
smtpd_tls_auth_only = no
broken_sasl_auth_clients = no
# opportunistic STARTTLS with the self-signed cert
smtpd_tls_security_level = may
smtpd_tls_cert_file = $MT/tls/cert.pem
smtpd_tls_key_file = $MT/tls/key.pem
smtp_tls_security_level = none
# fast tests
maillog_file = $MT/postfix/postfix.log
maillog_file_prefixes = $MT
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
smtpd_banner = \$myhostname ESMTP test
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
local_recipient_maps =
CONF
  chown -R postfix:postfix "$PF/data"
  # (postfix set-permissions is not needed: "postfix start" creates the queue dirs; it costs ~3 s)
  # postfix prints its start-up errors only to a terminal/syslog: they end up in $MT/postfix/postfix.log
  postfix -c "$PF/etc" start </dev/null >>"$MT/postfix/start.log" 2>&1 \
    || { cat "$MT/postfix/start.log" >&2; show_logs; die "postfix failed to start"; }
  # wait for listeners (5 s max each), fail loudly with the logs
  for p in $IMAP_PORT $IMAPS_PORT $LMTP_PORT $SMTP_PORT $AUTH_PORT; do
    for _ in $(seq 1 100); do
      port_busy "$p" && continue 2
      sleep 0.05
    done
    show_logs
    die "port $p not listening (state in $MT)"
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(head -n 1 "$1" | tr -d ' ')" 2>/dev/null; }

stop() {
  # only the instances under $MT, by their PID files (postfix: queue/pid/master.pid,
  # dovecot: base_dir/master.pid); both stopped in parallel (dovecot needs ~1-3 s to exit)
  local pf_pid="$MT/postfix/queue/pid/master.pid" dc_pid="$MT/dovecot/run/master.pid"
  if pid_alive "$pf_pid"; then postfix -c "$MT/postfix/etc" stop </dev/null >/dev/null 2>&1 & fi
  if pid_alive "$dc_pid"; then kill -TERM "$(cat "$dc_pid")" 2>/dev/null || true; fi
  wait
  for _ in $(seq 1 100); do
    pid_alive "$pf_pid" || pid_alive "$dc_pid" || return 0
    sleep 0.1
  done
  echo "mailstack: still running after 10 s, killing" >&2
  pid_alive "$pf_pid" && kill -KILL "$(head -n 1 "$pf_pid" | tr -d ' ')" 2>/dev/null
  pid_alive "$dc_pid" && kill -KILL "$(cat "$dc_pid")" 2>/dev/null
  return 0
}

env() {
  cat <<ENV
export MAIL_IMAP_HOST=127.0.0.1 MAIL_IMAP_PORT=$IMAP_PORT MAIL_IMAPS_PORT=$IMAPS_PORT
export MAIL_SMTP_HOST=127.0.0.1 MAIL_SMTP_PORT=$SMTP_PORT MAIL_PASS=$PASS MAIL_DOMAIN=$DOMAIN
export MAIL_CA_CERT=$MT/tls/cert.pem
ENV
}
case "${1:-}" in
  start|stop|env) "$1" ;;
  *) echo "usage: MT=dir $0 start|stop|env" >&2; exit 2 ;;
esac
