#include "player/detail/unique_fd.hpp"

#include <unistd.h>

namespace tafel::player::detail {

void UniqueFd::reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

} // namespace tafel::player::detail
