#!/usr/bin/env bash
# Creates a SoftHSM2 token that looks like a real company UKey: a signing certificate that
# expires soon (so the page and system.diagnose show "certificate expiring") and an
# encryption certificate, both issued by a throwaway demo CA; and, when the demo seal maker
# (sb-sealmaker, built from tests/tools) is available, two GB/T 38540 seals bound to the
# signing certificate: the company seal (公章, valid a year) and the legal representative's
# seal (法人章, expiring with the signing certificate). With --sm2 (and the seal maker), the key
# also gets an SM2 signing certificate (CKA_ID 03, "SM2签名证书") whose key lives on the key
# through the test module's vendor SM2 objects, as on real Chinese UKeys, and a third seal, the
# contract seal (合同专用章), bound to it; the company and legal seals stay bound to certificate 01.
#
#   make-demo-key.sh DIR [--expiring-days N] [--second-key] [--sm2] [--force]
#
# DIR/softhsm2.conf, DIR/tokens/   the SoftHSM2 store (export SOFTHSM2_CONF to use it)
# DIR/ca/                          demo CA (ca.pem, ca.key) and openssl ca database
# DIR/certs/                       the issued certificates (PEM and DER) and their keys
# DIR/control/                     control dir for the test PKCS#11 module (see demo-key.sh)
# DIR/sealmaker/                   demo seal maker: SM2 root CA (root.pem) and maker key/cert
# DIR/seals/                       the seals put on the key (company.esl, legal.esl, contract.esl)
# DIR/demo.env                     KEY='value' lines for other scripts and the tests
#
# To point a daemon at it (the test module forwards to SoftHSM2 and reads DIR/control):
#   set -a; . DIR/demo.env; set +a
#   sealbridged --module <build>/tests/testmodule/libsbtest-pkcs11.so
#
# The seal maker is $SEALBRIDGE_SEALMAKER, else sb-sealmaker on PATH; without one the key gets
# no seals. A daemon must trust DEMO_SEAL_MAKER_ROOT ("trusted_seal_makers") to accept them.
# The SM2 key is written through the test module: $SEALBRIDGE_TESTMODULE, else
# libsbtest-pkcs11.so in the build tree the seal maker comes from.
#
# Re-running is a no-op unless --force (start over) or --second-key (add a second token, for
# the "more than one key plugged in" case) or --sm2 (add the SM2 certificate) is given. Tokens must exist before a process
# loads SoftHSM: it does not see tokens created by another process afterwards.
set -euo pipefail

usage() {
  echo "usage: $0 DIR [--expiring-days N] [--second-key] [--sm2] [--force]" >&2
  exit 2
}

dir=""
expiring_days=20
expiring_given=0
second_key=0
sm2=0
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --expiring-days) [ $# -ge 2 ] || usage; expiring_days="$2"; expiring_given=1; shift 2 ;;
    --second-key) second_key=1; shift ;;
    --sm2) sm2=1; shift ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -z "$dir" ] || usage; dir="$1"; shift ;;
  esac
done
[ -n "$dir" ] || usage
case "$expiring_days" in ''|*[!0-9]*) echo "--expiring-days needs a whole number" >&2; exit 2 ;; esac

softhsm_lib="${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
for tool in openssl softhsm2-util pkcs11-tool; do
  command -v "$tool" >/dev/null || { echo "missing $tool (run scripts/install-deps.sh)" >&2; exit 1; }
done
[ -r "$softhsm_lib" ] || { echo "missing $softhsm_lib (package softhsm2)" >&2; exit 1; }

user_pin=123456
so_pin=12345678
token_label="示例科技有限公司"
second_label="SealBridge Second Key"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

if [ "$force" = 1 ]; then
  rm -rf "$dir/tokens" "$dir/ca" "$dir/certs" "$dir/control" "$dir/demo.env" "$dir/softhsm2.conf" \
    "$dir/sealmaker" "$dir/seals"
fi

# An existing token keeps the certificates it was made with.
if [ -f "$dir/demo.env" ]; then
  old_days="$(sed -n "s/^DEMO_EXPIRING_DAYS='\(.*\)'$/\1/p" "$dir/demo.env")"
  if [ -n "$old_days" ] && [ "$old_days" != "$expiring_days" ]; then
    [ "$expiring_given" = 0 ] || echo "token exists with --expiring-days $old_days; use --force to remake it" >&2
    expiring_days="$old_days"
  fi
fi

export SOFTHSM2_CONF="$dir/softhsm2.conf"
mkdir -p "$dir/tokens" "$dir/ca" "$dir/certs" "$dir/control"
if [ ! -f "$SOFTHSM2_CONF" ]; then
  {
    echo "directories.tokendir = $dir/tokens"
    echo "objectstore.backend = file"
    echo "log.level = ERROR"
    echo "slots.removable = true"
  } >"$SOFTHSM2_CONF"
fi

# openssl ca understands YYMMDDHHMMSSZ; backdating not_before mimics a certificate that has
# been in use for a while, and not_after = now + N days is what "expiring in N days" means.
# End dates get half a day on top, so "expires in N days" reads N (not N-1 a second after it
# was made) and stays the same for the length of a demo or a test run.
asn1_time() { date -u -d "$1" +%y%m%d%H%M%SZ; }

make_ca() {
  [ -f "$dir/ca/ca.pem" ] && return 0
  echo "demo CA: $dir/ca/ca.pem"
  : >"$dir/ca/index.txt"
  echo 1000 >"$dir/ca/serial"
  cat >"$dir/ca/ca.cnf" <<EOF
[ ca ]
default_ca = demo_ca

[ demo_ca ]
dir = $dir/ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
utf8 = yes
string_mask = utf8only

[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes

[ req_dn ]

[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ v3_sign ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ v3_enc ]
basicConstraints = CA:false
keyUsage = critical, keyEncipherment, dataEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca/ca.key" 2>/dev/null
  openssl req -new -x509 -utf8 -config "$dir/ca/ca.cnf" -extensions v3_ca -key "$dir/ca/ca.key" \
    -subj "/C=CN/O=SealBridge/CN=SealBridge Demo CA" -days 3650 -out "$dir/ca/ca.pem"
}

# issue NAME KEYALG SUBJECT EXTENSIONS START END
issue() {
  local name="$1" alg="$2" subject="$3" ext="$4" start="$5" end="$6"
  local base="$dir/certs/$name"
  case "$alg" in
    ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$base.key" 2>/dev/null ;;
    sm2) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$base.key" 2>/dev/null ;;
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$base.key" 2>/dev/null ;;
  esac
  openssl req -new -utf8 -config "$dir/ca/ca.cnf" -key "$base.key" -subj "$subject" -out "$base.csr"
  openssl ca -batch -notext -utf8 -preserveDN -config "$dir/ca/ca.cnf" -extensions "$ext" \
    -startdate "$start" -enddate "$end" -in "$base.csr" -out "$base.pem" 2>/dev/null
  openssl x509 -in "$base.pem" -outform DER -out "$base.der"
}

token_serial() {
  # softhsm2-util prints one block per slot; the label line follows the serial line.
  softhsm2-util --show-slots | awk -v want="$1" '
    /Serial number:/ { serial = $3 }
    /Label:/ { label = $0; sub(/^[ \t]*Label:[ \t]*/, "", label); sub(/[ \t]+$/, "", label)
               if (label == want && serial != "") { print serial; exit } }'
}

# put_pair TOKEN_SERIAL TOKEN_LABEL NAME ID LABEL: the key pair (softhsm2-util also creates the
# public key object) and the certificate share CKA_ID, which is how a reader pairs them.
put_pair() {
  local serial="$1" token="$2" name="$3" id="$4" label="$5"
  local base="$dir/certs/$name"
  openssl pkcs8 -topk8 -nocrypt -in "$base.key" -out "$base.p8"
  softhsm2-util --import "$base.p8" --serial "$serial" --pin "$user_pin" --id "$id" \
    --label "$label" >/dev/null
  pkcs11-tool --module "$softhsm_lib" --token-label "$token" --login --pin "$user_pin" \
    --write-object "$base.der" --type cert --id "$id" --label "$label" >/dev/null
}

make_token() {
  local label="$1" cn="$2" prefix="$3"
  local serial
  serial="$(token_serial "$label")"
  if [ -n "$serial" ]; then
    echo "token '$label' exists (serial $serial)" >&2
    echo "$serial"
    return 0
  fi
  softhsm2-util --init-token --free --label "$label" --pin "$user_pin" --so-pin "$so_pin" >/dev/null
  serial="$(token_serial "$label")"
  [ -n "$serial" ] || { echo "token '$label' was not created" >&2; exit 1; }
  echo "token '$label' created (serial $serial)" >&2

  local past now_plus_2y soon
  past="$(asn1_time '-335 days')"
  soon="$(asn1_time "+$expiring_days days 12 hours")"
  now_plus_2y="$(asn1_time '+730 days 12 hours')"
  issue "${prefix}sign" ec "/C=CN/O=示例科技有限公司/CN=$cn" v3_sign "$past" "$soon"
  issue "${prefix}enc" rsa "/C=CN/O=示例科技有限公司/OU=加密/CN=$cn" v3_enc "$(asn1_time '-30 days')" \
    "$now_plus_2y"
  put_pair "$serial" "$label" "${prefix}sign" 01 "签名证书"
  put_pair "$serial" "$label" "${prefix}enc" 02 "加密证书"
  # errexit is off inside $(make_token ...), so failures are passed on by hand.
  [ -n "$prefix" ] || make_seals "$label" || exit 1
  echo "$serial"
}

sealmaker="${SEALBRIDGE_SEALMAKER:-$(command -v sb-sealmaker || true)}"
company_es_id="11010800000001"
legal_es_id="11010800000002"
contract_es_id="11010800000003"

iso_time() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

# issue_seal FILE ES_ID NAME TYPE FROM TO: GB/T 38540 type 1 is an organisation's seal, 2 a
# person's; both are bound to the signing certificate through their certList.
issue_seal() {
  "$sealmaker" issue --maker "$dir/sealmaker" --user-cert "$dir/certs/sign.der" --es-id "$2" \
    --name "$3" --type "$4" --valid-from "$5" --valid-to "$6" --out "$1"
}

# Seals are data objects of several KB; pkcs11-tool writes them in 5000-byte pieces and
# truncates them, so the seal maker stores each in one C_CreateObject.
store_seal() {
  "$sealmaker" store --module "$softhsm_lib" --token-label "$1" --pin "$user_pin" \
    --application "SealBridge Seal" --label "$2" "$3" >/dev/null
}

make_seals() {
  local label="$1"
  if [ -z "$sealmaker" ] || [ ! -x "$sealmaker" ]; then
    echo "no sb-sealmaker (set SEALBRIDGE_SEALMAKER): the key gets no seals" >&2
    return 0
  fi
  if [ ! -f "$dir/sealmaker/root.pem" ]; then
    "$sealmaker" init-maker "$dir/sealmaker" >/dev/null || return 1
  fi
  mkdir -p "$dir/seals"
  issue_seal "$dir/seals/company.esl" "$company_es_id" "示例科技有限公司" 1 \
    "$(iso_time '-30 days')" "$(iso_time '+365 days 12 hours')" || return 1
  issue_seal "$dir/seals/legal.esl" "$legal_es_id" "张三" 2 \
    "$(iso_time '-345 days')" "$(iso_time "+$expiring_days days 12 hours")" || return 1
  store_seal "$label" "$company_es_id" "$dir/seals/company.esl" || return 1
  store_seal "$label" "$legal_es_id" "$dir/seals/legal.esl" || return 1
  echo "seals on '$label': 公章 $company_es_id, 法人章 $legal_es_id" >&2
}

sm2_cert_id=03
sm2_cert_label="SM2签名证书"

# make_sm2 TOKEN_LABEL: the demo CA (EC P-256, so the certificate is signed with ECDSA) issues
# an SM2 signing certificate; the key goes onto the token as the test module's vendor SM2 key,
# which SoftHSM alone cannot hold, so it is written through that module.
make_sm2() {
  local label="$1"
  [ -f "$dir/certs/sm2sign.imported" ] && return 0
  if [ -z "$sealmaker" ] || [ ! -x "$sealmaker" ]; then
    echo "no sb-sealmaker (set SEALBRIDGE_SEALMAKER): the key gets no SM2 certificate" >&2
    return 0
  fi
  local module="${SEALBRIDGE_TESTMODULE:-$(dirname "$sealmaker")/../testmodule/libsbtest-pkcs11.so}"
  [ -r "$module" ] || { echo "no test module at $module (set SEALBRIDGE_TESTMODULE)" >&2; return 1; }
  issue sm2sign sm2 "/C=CN/O=示例科技有限公司/CN=张三" v3_sign "$(asn1_time '-1 days')" \
    "$(asn1_time '+365 days 12 hours')" || return 1
  env -u SEALBRIDGE_TESTMODULE_PIN_TRIES -u SEALBRIDGE_TESTMODULE_PIN_LEN \
    SEALBRIDGE_TESTMODULE_TARGET="${SEALBRIDGE_TESTMODULE_TARGET:-$softhsm_lib}" \
    SEALBRIDGE_TESTMODULE_CONTROL="$dir/control" \
    "$sealmaker" import-key --module "$module" --token-label "$label" --pin "$user_pin" \
    --key "$dir/certs/sm2sign.key" --cert "$dir/certs/sm2sign.der" --id "$sm2_cert_id" \
    --label "$sm2_cert_label" >/dev/null || return 1
  : >"$dir/certs/sm2sign.imported"
  echo "SM2 certificate on '$label': $sm2_cert_id $sm2_cert_label" >&2
  # GB/T 38540 seal signatures (sign.seal) are made with SM2, so a seal bound to the SM2
  # certificate lets the demo sign those too; the company and legal seals stay on certificate
  # 01, whose ECDSA PDF signatures any PDF reader checks.
  if [ -f "$dir/sealmaker/root.pem" ]; then
    "$sealmaker" issue --maker "$dir/sealmaker" --user-cert "$dir/certs/sm2sign.der" \
      --es-id "$contract_es_id" --name "示例科技有限公司合同专用章" --type 1 \
      --valid-from "$(iso_time '-1 days')" --valid-to "$(iso_time '+365 days 12 hours')" \
      --out "$dir/seals/contract.esl" || return 1
    store_seal "$label" "$contract_es_id" "$dir/seals/contract.esl" || return 1
    echo "SM2 seal on '$label': 合同专用章 $contract_es_id" >&2
  fi
}

make_ca
serial="$(make_token "$token_label" "张三" "")"
if [ "$sm2" = 1 ] || grep -q '^DEMO_SM2_CERT=' "$dir/demo.env" 2>/dev/null; then
  make_sm2 "$token_label"
fi
second_serial=""
if [ "$second_key" = 1 ] || grep -q '^DEMO_SECOND_SERIAL=' "$dir/demo.env" 2>/dev/null; then
  second_serial="$(make_token "$second_label" "李四" "second-")"
fi

{
  echo "SOFTHSM2_CONF='$SOFTHSM2_CONF'"
  echo "SEALBRIDGE_TESTMODULE_CONTROL='$dir/control'"
  echo "DEMO_CA='$dir/ca/ca.pem'"
  echo "DEMO_LABEL='$token_label'"
  echo "DEMO_SERIAL='$serial'"
  echo "DEMO_USER_PIN='$user_pin'"
  echo "DEMO_SO_PIN='$so_pin'"
  echo "DEMO_EXPIRING_DAYS='$expiring_days'"
  if [ -f "$dir/seals/company.esl" ]; then
    echo "DEMO_SEAL_MAKER_DIR='$dir/sealmaker'"
    echo "DEMO_SEAL_MAKER_ROOT='$dir/sealmaker/root.pem'"
    echo "DEMO_COMPANY_SEAL_ES_ID='$company_es_id'"
    echo "DEMO_COMPANY_SEAL='$dir/seals/company.esl'"
    echo "DEMO_LEGAL_SEAL_ES_ID='$legal_es_id'"
    echo "DEMO_LEGAL_SEAL='$dir/seals/legal.esl'"
  fi
  if [ -f "$dir/certs/sm2sign.imported" ]; then
    echo "DEMO_SM2_CERT='$dir/certs/sm2sign.pem'"
    echo "DEMO_SM2_CERT_ID='$sm2_cert_id'"
    echo "DEMO_SM2_CERT_LABEL='$sm2_cert_label'"
    if [ -f "$dir/seals/contract.esl" ]; then
      echo "DEMO_SM2_SEAL_ES_ID='$contract_es_id'"
      echo "DEMO_SM2_SEAL='$dir/seals/contract.esl'"
    fi
  fi
  if [ -n "$second_serial" ]; then
    echo "DEMO_SECOND_LABEL='$second_label'"
    echo "DEMO_SECOND_SERIAL='$second_serial'"
  fi
} >"$dir/demo.env"
echo "demo key ready: $dir/demo.env (user PIN $user_pin)"
