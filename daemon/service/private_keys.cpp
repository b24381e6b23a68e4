#include "service/private_keys.hpp"

namespace sealbridge::service {

void private_key_memory::remember(std::vector<bytes> ids) {
  std::set<bytes> seen(std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
  std::lock_guard lock(mutex_);
  ids_ = std::move(seen);
}

key_presence private_key_memory::lookup(const bytes& id) const {
  std::lock_guard lock(mutex_);
  if (!ids_) return key_presence::unknown;
  return ids_->contains(id) ? key_presence::present : key_presence::absent;
}

}  // namespace sealbridge::service
