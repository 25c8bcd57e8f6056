#!/usr/bin/env bash
# Idempotent, non-interactive install of the mail test servers (Debian 12):
# Dovecot (IMAP + LMTP), Postfix (SMTP), swaks (+ its TLS modules), openssl for the test certificate.
# Runs `apt-get update` only when something is missing.
set -euo pipefail
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need=()
for p in dovecot-imapd dovecot-lmtpd postfix swaks libnet-ssleay-perl libio-socket-ssl-perl openssl; do
  installed "$p" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "mail-install.sh: missing ${need[*]} and not root" >&2; exit 1; }
echo "mail-install.sh: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# postfix would otherwise ask for a configuration type; man-db's trigger is slow and useless here
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "man-db man-db/auto-update boolean false" | debconf-set-selections
# do not let the packages' maintainer scripts start the system-wide dovecot/postfix services
# (the tests run their own throwaway instances): policy-rc.d exit 101 = "action forbidden"
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
