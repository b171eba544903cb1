// The live stderr line `run --enforce` prints for each refused or unchecked attempt.
#include <gtest/gtest.h>

#include <sstream>

#include "enforce/blocked_notice.h"
#include "session_fixture.h"

using namespace egresswatch;

TEST(BlockedNotice, OneLinePerRefusedOrUncheckedAttempt) {
    auto curl = test::process(1234, "curl", "/usr/bin/curl");
    auto refused =
        test::named(test::connection(SockEventKind::connect, 1, "198.18.0.9", 80, 6, curl), "evil.test", "dns-any");
    refused.verdict = Verdict::blocked;
    EXPECT_EQ(blocked_notice_text(refused),
              "blocked connect curl[1234] (/usr/bin/curl) -> evil.test (198.18.0.9):80/tcp");
    auto datagram = test::connection(SockEventKind::send, 1, "fd00::53", 53, 17, curl);
    datagram.verdict = Verdict::unverified;
    datagram.process.exe.clear();
    EXPECT_EQ(blocked_notice_text(datagram), "unverified send curl[1234] -> [fd00::53]:53/udp");

    std::ostringstream err;
    BlockedNotice notice(err);
    notice.on_connection(test::connection(SockEventKind::connect, 1, "198.18.0.3", 80, 6, curl));
    notice.on_connection(refused);
    notice.on_connection(datagram);
    EXPECT_EQ(err.str(), "egresswatch: blocked connect curl[1234] (/usr/bin/curl) -> evil.test (198.18.0.9):80/tcp\n"
                         "egresswatch: unverified send curl[1234] -> [fd00::53]:53/udp\n")
        << "allowed connections print nothing";
}
