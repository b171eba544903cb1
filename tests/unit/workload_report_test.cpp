// What a session's containers add to its outputs: the images and containers of each
// destination in report.json, `images:` in allowlist.yaml, and the summary's table by image.
#include <gtest/gtest.h>

#include <sstream>

#include "allowlist/allowlist_loader.h"
#include "base/json.h"
#include "report/aggregator.h"
#include "report/report.h"
#include "session_fixture.h"

namespace egresswatch {
namespace {

ProcessRef in_container(std::uint32_t pid, const char* exe, const char* name, const char* image) {
    ProcessRef p = test::process(pid, "wget", exe);
    ContainerInfo c;
    c.id = std::string(64, 'a' + static_cast<char>(pid % 20));
    c.name = name;
    c.image = image;
    c.runtime = Runtime::podman;
    p.container = c;
    return p;
}

// web.example reached from two images and from the host, api.example from one container only,
// 198.18.0.7 from the host only.
Aggregator session() {
    Aggregator agg;
    auto reach = [&](const char* addr, const char* host, ProcessRef p) {
        agg.on_connection(
            test::named(test::connection(SockEventKind::connect, 1, addr, 443, 6, std::move(p)), host, "dns"));
    };
    reach("198.18.0.5", "web.example", in_container(1, "/bin/busybox", "fetcher", "localhost/busybox:latest"));
    reach("198.18.0.5", "web.example", in_container(2, "/usr/bin/curl", "builder", "docker.io/library/debian:12"));
    reach("198.18.0.5", "web.example", test::process(3, "curl", "/usr/bin/curl"));
    reach("198.18.0.6", "api.example", in_container(4, "/app", "", "registry.example/app:7"));
    agg.on_connection(
        test::connection(SockEventKind::connect, 1, "198.18.0.7", 80, 6, test::process(5, "curl", "/usr/bin/curl")));
    return agg;
}

TEST(WorkloadReport, AllowlistEntriesListTheImagesThatReachedThem) {
    Aggregator agg = session();
    std::ostringstream text;
    write_allowlist(text, agg, {});
    Allowlist list = parse_allowlist(text.str(), "recorded.yaml");
    ASSERT_EQ(list.destinations.size(), 3u) << text.str();
    const AllowEntry& ip_only = list.destinations[0];
    EXPECT_EQ(ip_only.addresses.front().to_string(), "198.18.0.7");
    EXPECT_TRUE(ip_only.images.empty()) << "no container reached it: the entry reads as before images existed";
    const AllowEntry& api = list.destinations[1];
    EXPECT_EQ(api.host->text(), "api.example");
    EXPECT_EQ(api.images, (std::vector<std::string>{"registry.example/app:7"}));
    const AllowEntry& web = list.destinations[2];
    EXPECT_EQ(web.images,
              (std::vector<std::string>{"(no container)", "docker.io/library/debian:12", "localhost/busybox:latest"}));
    EXPECT_EQ(web.processes, (std::vector<std::string>{"/bin/busybox", "/usr/bin/curl"}));
}

// A destination keeps no image set until a container reaches it: the host's earlier connects
// must still be listed then, as if the set had been there from the first.
TEST(WorkloadReport, TheHostBeforeAContainerIsStillListed) {
    Aggregator agg;
    for (ProcessRef p : {test::process(3, "curl", "/usr/bin/curl"),
                         in_container(1, "/bin/busybox", "fetcher", "localhost/busybox:latest")})
        agg.on_connection(test::named(test::connection(SockEventKind::connect, 1, "198.18.0.5", 443, 6, std::move(p)),
                                      "web.example", "dns"));
    ASSERT_EQ(agg.destinations().size(), 1u);
    EXPECT_EQ(agg.images_of(agg.destinations().begin()->second),
              (std::vector<std::string>{"(no container)", "localhost/busybox:latest"}));
}

TEST(WorkloadReport, ReportJsonNamesImagesAndContainersOnlyWhereContainersWere) {
    Aggregator agg = session();
    std::ostringstream text;
    write_report(text, agg, {});
    Json report = Json::parse(text.str());
    int with_images = 0;
    for (const Json& d : report["destinations"]) {
        if (!d.contains("images")) continue;
        ++with_images;
        if (d["host"] == "web.example") {
            EXPECT_EQ(d["containers"], Json({"builder", "fetcher"}));
            EXPECT_EQ(d["images"].size(), 3u);
        } else {
            EXPECT_EQ(d["containers"], Json({std::string(12, 'e')})) << "a container without a name is its short id";
        }
    }
    EXPECT_EQ(with_images, 2);
}

TEST(WorkloadReport, SummaryGroupsDestinationsByImageWithTheirContainers) {
    Aggregator agg = session();
    std::ostringstream text;
    write_summary(text, agg, ScopeFilter::all);
    std::string s = text.str();
    auto at = s.find("Containers, by image:");
    ASSERT_NE(at, std::string::npos) << s;
    std::string table = s.substr(at);
    auto row = [&](const std::string& needle) {
        auto p = table.find(needle);
        return p == std::string::npos ? std::string() : table.substr(p, table.find('\n', p) - p);
    };
    std::string busybox = row("localhost/busybox:latest");
    EXPECT_NE(busybox.find("web.example"), std::string::npos) << table;
    EXPECT_NE(busybox.find("fetcher"), std::string::npos) << table;
    EXPECT_EQ(busybox.find("builder"), std::string::npos) << "only the image's own containers: " << table;
    EXPECT_NE(row("docker.io/library/debian:12").find("builder"), std::string::npos) << table;
    EXPECT_NE(row("registry.example/app:7").find("api.example"), std::string::npos) << table;
    EXPECT_EQ(table.find("(no container)"), std::string::npos) << table;

    Aggregator plain;
    plain.on_connection(
        test::connection(SockEventKind::connect, 1, "198.18.0.7", 80, 6, test::process(5, "curl", "/usr/bin/curl")));
    std::ostringstream none;
    write_summary(none, plain, ScopeFilter::all);
    EXPECT_EQ(none.str().find("Containers"), std::string::npos);
}

}  // namespace
}  // namespace egresswatch
