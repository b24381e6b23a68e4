#include "service/seals.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/error.hpp"
#include "seal/decode.hpp"
#include "service/certificates.hpp"
#include "service/lossless_replace.hpp"
#include "service/seal_store.hpp"

namespace sealbridge::service {
namespace {

std::vector<bytes> ders_of(const std::vector<certificate_entry>& certs) {
  std::vector<bytes> out;
  for (const auto& c : certs) out.push_back(c.der);
  return out;
}

// Issuers round validity ends differently (23:59:59 against 00:00:00 the next day, or seconds
// apart when seal and certificate are issued together), so less than a day is no warning.
constexpr auto outlive_margin = std::chrono::hours(24);

// The earliest-expiring certificate the seal is bound to, when the seal outlives it. Without
// key certificates (seal.inspect) the certificates carried in the certList stand in.
std::optional<outlived_certificate> outlived_by(const sealbridge::seal::seal& s,
                                                const std::vector<certificate_entry>& key_certs) {
  std::optional<outlived_certificate> earliest;
  auto consider = [&](const bytes& id, const crypto::certificate_info& info) {
    if (earliest && earliest->not_after <= info.not_after) return;
    earliest = outlived_certificate{id.empty() ? std::nullopt : std::optional<bytes>(id),
                                    info.subject, info.not_after};
  };
  for (const auto& c : key_certs) {
    if (sealbridge::seal::binds_to(s, c.der)) consider(c.id, c.info);
  }
  if (key_certs.empty()) {
    for (const auto& der : s.certs) {
      try {
        consider({}, crypto::parse_certificate(der));
      } catch (const error&) {
        // An unreadable certList entry binds to nothing; the verification says so already.
      }
    }
  }
  if (earliest && earliest->not_after < s.valid_end - outlive_margin) return earliest;
  return std::nullopt;
}

seal_report report_of(bytes der, std::optional<sealbridge::seal::seal> decoded,
                      std::string decode_error, const seal_policy& policy, sys_seconds at,
                      const std::vector<certificate_entry>& key_certs) {
  const auto key_certificates = ders_of(key_certs);
  seal_report r;
  r.id = seal_id(der);
  r.der = std::move(der);
  r.decoded = std::move(decoded);
  r.decode_error = std::move(decode_error);
  if (r.decoded) {
    r.verification = sealbridge::seal::verify_seal(
        *r.decoded, {at, policy.trusted_maker_roots, key_certificates});
    r.outlives_certificate = outlived_by(*r.decoded, key_certs);
  } else {
    r.verification.errors.push_back(errc::seal_invalid);
    r.verification.reasons.push_back(r.decode_error);
    r.verification.detail = r.decode_error;
  }
  return r;
}

bool contains(const std::vector<bytes>& list, const bytes& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void reconcile_with(const token_access& key, seal_journal& journal, pkcs11::session& session) {
  const auto& profile = key.token().module.seals;
  for (auto& [record, entry] : journal.pending(key.token().id)) {
    auto seals = read_seals(session, profile);
    // Captured by name: clang before 16 cannot capture a structured binding.
    const auto& new_seal = entry.new_seal;
    bool new_present = std::any_of(seals.begin(), seals.end(),
                                   [&](const stored_seal& s) { return s.der == new_seal; });
    if (new_present) {
      // The write got as far as the new seal; finish it.
      for (const auto& s : seals) {
        if (contains(entry.old_seals, s.der)) session.destroy_object(s.handle);
      }
      spdlog::info("key {}: interrupted write of seal {} completed", key.token().id, entry.es_id);
    } else {
      // The new seal never made it; make sure every old one is still there.
      for (const auto& old : entry.old_seals) {
        bool present = std::any_of(seals.begin(), seals.end(),
                                   [&](const stored_seal& s) { return s.der == old; });
        if (!present) create_seal_object(session, profile, entry.es_id, old);
      }
      spdlog::info("key {}: interrupted write of seal {} rolled back", key.token().id, entry.es_id);
    }
    journal.finish(record);
  }
}

[[noreturn]] void throw_first_failure(const sealbridge::seal::verification& v) {
  throw error(v.errors.front(), v.detail);
}

}  // namespace

seal_report inspect_seal(byte_view der, const seal_policy& policy, sys_seconds at,
                         const std::vector<bytes>& key_certificates) {
  // Certificates handed in (a signature's signer) have no CKA_ID; one that does not parse
  // cannot bind and is left to the verification to report.
  std::vector<certificate_entry> entries;
  for (const auto& cert_der : key_certificates) {
    certificate_entry entry;
    entry.der = cert_der;
    try {
      entry.info = crypto::parse_certificate(cert_der);
    } catch (const error&) {
      entry.info.not_after = sys_seconds::max();  // never the one that expires first
    }
    entries.push_back(std::move(entry));
  }
  auto decoded = sealbridge::seal::decode_seal(der);  // malformed input is the caller's error
  return report_of(bytes(der.begin(), der.end()), std::move(decoded), {}, policy, at, entries);
}

std::vector<seal_report> list_seals(const token_access& key, const seal_policy& policy,
                                    sys_seconds now, const login_request* login) {
  const auto& profile = key.token().module.seals;
  auto session = key.open_session(false);
  if (profile.private_objects) {
    if (!login) throw error(errc::pin_required, "this key keeps its seals as private objects");
    guarded_login(key, session, *login);
  }
  return list_seals_in(key, session, policy, now);
}

std::vector<seal_report> list_seals_in(const token_access& key, const pkcs11::session& session,
                                       const seal_policy& policy, sys_seconds now) {
  const auto& profile = key.token().module.seals;
  auto certs = read_certificates(key);
  std::vector<seal_report> out;
  for (auto& s : read_seals(session, profile)) {
    out.push_back(report_of(std::move(s.der), std::move(s.decoded), std::move(s.decode_error),
                            policy, now, certs));
  }
  return out;
}

write_result write_seal(const token_access& key, const seal_policy& policy, seal_journal& journal,
                        byte_view der, const login_request& login, sys_seconds now) {
  const auto& profile = key.token().module.seals;
  auto candidate = report_of(bytes(der.begin(), der.end()), sealbridge::seal::decode_seal(der), {},
                             policy, now, read_certificates(key));
  if (!candidate.verification.ok()) throw_first_failure(candidate.verification);
  const auto& fresh = *candidate.decoded;

  auto session = key.open_session(true);
  guarded_login(key, session, login);
  reconcile_with(key, journal, session);

  write_result result;
  std::vector<stored_seal> same_es_id;
  for (auto& s : read_seals(session, profile)) {
    bool same = s.decoded ? s.decoded->es_id == fresh.es_id : s.label == fresh.es_id;
    if (same) same_es_id.push_back(std::move(s));
  }
  for (const auto& s : same_es_id) {
    if (s.der == candidate.der) {
      // A retry after a lost answer: the seal is already there.
      result.written = std::move(candidate);
      result.unchanged = true;
      return result;
    }
  }
  for (const auto& s : same_es_id) {
    if (s.decoded && !sealbridge::seal::is_newer(fresh, *s.decoded)) {
      throw error(errc::seal_not_newer, "the key holds seal " + fresh.es_id + " valid until " +
                                            to_iso8601(s.decoded->valid_end));
    }
  }

  journal_entry entry{key.token().id, fresh.es_id, candidate.der, {}};
  std::vector<CK_OBJECT_HANDLE> old_objects;
  for (const auto& s : same_es_id) {
    entry.old_seals.push_back(s.der);
    old_objects.push_back(s.handle);
  }
  replace_losslessly(
      session, journal, entry,
      [&] { return create_seal_object(session, profile, fresh.es_id, candidate.der); },
      candidate.der, old_objects, "seal");

  if (!same_es_id.empty()) result.replaced = seal_id(same_es_id.front().der);
  result.written = std::move(candidate);
  spdlog::info("key {}: seal {} written (es_id {}, replaced {})", key.token().id, result.written.id,
               result.written.decoded->es_id, result.replaced.value_or("none"));
  return result;
}

void reconcile_seals(const token_access& key, seal_journal& journal, const login_request* login) {
  if (journal.pending(key.token().id).empty()) return;
  auto session = key.open_session(true);
  if (login) guarded_login(key, session, *login);
  reconcile_with(key, journal, session);
}

}  // namespace sealbridge::service
