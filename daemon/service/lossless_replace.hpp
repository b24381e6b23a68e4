#pragma once

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "pkcs11/session.hpp"

namespace sealbridge::service {

// Replaces objects on a key so that no crash or unplug loses both the old and the new bytes:
// the journal record (old and new bytes) is durable before the key is touched, the old objects
// go only once the new one reads back as written, and the record is finished last. A write
// interrupted in between is completed or rolled back from the record at the next start.
//
// `create` makes the new object and returns its handle; its CKA_VALUE must read back as
// `value`. `what` names the object in the error ("seal", "certificate"). Returns the new
// object's handle.
template <class Journal, class Entry, class Create>
CK_OBJECT_HANDLE replace_losslessly(pkcs11::session& session, Journal& journal, const Entry& entry,
                                    Create&& create, byte_view value,
                                    std::span<const CK_OBJECT_HANDLE> old_objects,
                                    std::string_view what) {
  auto record = journal.begin(entry);
  const CK_OBJECT_HANDLE created = create();
  auto read_back = session.attribute(created, CKA_VALUE);
  if (!read_back || !std::equal(read_back->begin(), read_back->end(), value.begin(), value.end())) {
    session.destroy_object(created);
    journal.finish(record);
    throw error(errc::pkcs11_error, "the " + std::string(what) +
                                        " read back from the key differs from the one written");
  }
  for (auto old : old_objects) session.destroy_object(old);
  journal.finish(record);
  return created;
}

}  // namespace sealbridge::service
