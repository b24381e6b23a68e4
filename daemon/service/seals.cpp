#include "service/seals.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/error.hpp"
#include "seal/decode.hpp"
#include "service/certificates.hpp"
#include "service/seal_store.hpp"

namespace sealbridge::service {
namespace {

std::vector<bytes> certificate_ders(const token_access& key) {
  std::vector<bytes> out;
  for (auto& c : read_certificates(key)) out.push_back(std::move(c.der));
  return out;
}

seal_report report_of(bytes der, std::optional<sealbridge::seal::seal> decoded, std::string decode_error,
                      const seal_policy& policy, sys_seconds at, const std::vector<bytes>& key_certificates) {
  seal_report r;
  r.id = seal_id(der);
  r.der = std::move(der);
  r.decoded = std::move(decoded);
  r.decode_error = std::move(decode_error);
  if (r.decoded) {
    r.verification = sealbridge::seal::verify_seal(
        *r.decoded, {at, policy.trusted_maker_roots, key_certificates});
  } else {
    r.verification.errors.push_back(errc::seal_invalid);
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
    bool new_present = std::any_of(seals.begin(), seals.end(),
                                   [&](const stored_seal& s) { return s.der == entry.new_seal; });
    if (new_present) {
      // The write got as far as the new seal; finish it.
      for (const auto& s : seals) {
        if (contains(entry.old_seals, s.der)) session.destroy_object(s.handle);
      }
      spdlog::info("key {}: interrupted write of seal {} completed", key.token().id, entry.es_id);
    } else {
      // The new seal never made it; make sure every old one is still there.
      for (const auto& old : entry.old_seals) {
        bool present = std::any_of(seals.begin(), seals.end(), [&](const stored_seal& s) { return s.der == old; });
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
  auto decoded = sealbridge::seal::decode_seal(der);  // malformed input is the caller's error
  return report_of(bytes(der.begin(), der.end()), std::move(decoded), {}, policy, at, key_certificates);
}

std::vector<seal_report> list_seals(const token_access& key, const seal_policy& policy, sys_seconds now,
                                    const login_request* login) {
  const auto& profile = key.token().module.seals;
  auto certs = certificate_ders(key);
  auto session = key.open_session(false);
  if (profile.private_objects) {
    if (!login) throw error(errc::pin_required, "this key keeps its seals as private objects");
    guarded_login(key, session, *login);
  }
  std::vector<seal_report> out;
  for (auto& s : read_seals(session, profile)) {
    out.push_back(report_of(std::move(s.der), std::move(s.decoded), std::move(s.decode_error), policy, now, certs));
  }
  return out;
}

write_result write_seal(const token_access& key, const seal_policy& policy, seal_journal& journal,
                        byte_view der, const login_request& login, sys_seconds now) {
  const auto& profile = key.token().module.seals;
  auto certs = certificate_ders(key);
  auto candidate = inspect_seal(der, policy, now, certs);
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
  for (const auto& s : same_es_id) entry.old_seals.push_back(s.der);
  auto record = journal.begin(entry);

  auto created = create_seal_object(session, profile, fresh.es_id, candidate.der);
  auto read_back = session.attribute(created, CKA_VALUE);
  if (!read_back || *read_back != candidate.der) {
    session.destroy_object(created);
    journal.finish(record);
    throw error(errc::pkcs11_error, "the seal read back from the key differs from the one written");
  }
  for (const auto& s : same_es_id) session.destroy_object(s.handle);
  journal.finish(record);

  if (!same_es_id.empty()) result.replaced = seal_id(same_es_id.front().der);
  result.written = std::move(candidate);
  spdlog::info("key {}: seal {} written (es_id {}, replaced {})", key.token().id, result.written.id,
               fresh.es_id, result.replaced.value_or("none"));
  return result;
}

void reconcile_seals(const token_access& key, seal_journal& journal, const login_request* login) {
  if (journal.pending(key.token().id).empty()) return;
  auto session = key.open_session(true);
  if (login) guarded_login(key, session, *login);
  reconcile_with(key, journal, session);
}

}  // namespace sealbridge::service
