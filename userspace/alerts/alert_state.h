#pragma once
// alert-state.json in the --out directory: the destinations a watch has already alerted on, so
// that a restarted watch (a service after a reboot or an upgrade) does not alert on them
// again. Written atomically with report.json; read back at start. One writer, one reader, here.
//
// {"version":1,"baseline":"/etc/egresswatch/baseline.yaml",
//  "alerted":[{"destination":"api.test","port":443,"protocol":"tcp"}]}

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

namespace egresswatch {

using AlertedDestination = std::tuple<std::string, std::uint16_t, std::uint8_t>;  // host or address, port, protocol

struct AlertState {
    std::string baseline;  // the --baseline it was alerted against
    std::vector<AlertedDestination> alerted;
};

void write_alert_state(std::ostream& out, const AlertState& state);

// nullopt with `error` saying what is wrong, in words, for a file that is not one.
std::optional<AlertState> read_alert_state(const std::string& text, std::string& error);

}  // namespace egresswatch
