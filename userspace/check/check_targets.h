#pragma once
// Which destinations `egresswatch check` tries for an allowlist, and how entries that cannot be
// probed as written are narrowed or skipped:
//
//   wildcard host ("*.example.org")   not checked: there is no one name to resolve
//   addresses that are blocks         not checked: only single addresses are connected to;
//                                     an entry of blocks only is not checked at all
//   port range ("8000-8100")          only the first port is checked, and the result says so
//   proto any                         checked as tcp (udp has no handshake to test anyway)
//
// A skipped entry is reported as "unchecked", never as failed: the allowlist is not wrong,
// it only says more than one probe can test.

#include <vector>

#include "allowlist/allowlist.h"
#include "check/egress_check.h"

namespace egresswatch {

// One target per entry, in file order.
std::vector<CheckTarget> check_targets_of(const Allowlist& list);

}  // namespace egresswatch
