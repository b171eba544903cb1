// `images:` in allowlists: what an item may be, which images it allows, and how entries that
// list images load, write, merge, diff and match.
#include <gtest/gtest.h>

#include "allowlist/allowlist_diff.h"
#include "allowlist/allowlist_diff_format.h"
#include "allowlist/allowlist_loader.h"
#include "allowlist/allowlist_matcher.h"
#include "allowlist/allowlist_merge.h"
#include "allowlist/allowlist_writer.h"
#include "allowlist/image_reference.h"

namespace egresswatch {
namespace {

TEST(ImageReference, ShortNamesAreDockerHubsAndATaglessItemAllowsEveryTag) {
    EXPECT_TRUE(image_item_matches("busybox", "docker.io/library/busybox:1.36"));
    EXPECT_TRUE(image_item_matches("docker.io/library/busybox", "busybox"));
    EXPECT_TRUE(image_item_matches("team/app", "docker.io/team/app:2"));
    EXPECT_TRUE(image_item_matches("busybox:latest", "busybox")) << "an image run without a tag ran latest";
    EXPECT_FALSE(image_item_matches("busybox:1.36", "busybox:1.35"));
    EXPECT_FALSE(image_item_matches("busybox", "quay.io/busybox")) << "another registry is another image";
    EXPECT_FALSE(image_item_matches("localhost/app", "app")) << "podman's local images are not Docker Hub's";
    EXPECT_TRUE(image_item_matches("localhost/app", "localhost/app:latest"));
    EXPECT_TRUE(image_item_matches("registry.example:5000/app:1.2", "registry.example:5000/app:1.2"));
    EXPECT_FALSE(image_item_matches("registry.example:5000/app", "registry.example/app:1.2"));
    EXPECT_TRUE(image_item_matches("app@sha256:ab12", "docker.io/library/app:3@sha256:ab12"));
    EXPECT_FALSE(image_item_matches("app@sha256:ab12", "app@sha256:cd34"));
    EXPECT_FALSE(image_item_matches("app:3", "app@sha256:ab12")) << "a digest alone says no tag";
}

TEST(ImageReference, TheTwoWordsMatchOnlyThemselves) {
    EXPECT_EQ(workload_image(false, "busybox"), kNoContainer);
    EXPECT_EQ(workload_image(true, ""), kUnknownImage);
    EXPECT_EQ(workload_image(true, "busybox"), "busybox");
    EXPECT_TRUE(image_item_matches(kNoContainer, kNoContainer));
    EXPECT_FALSE(image_item_matches(kNoContainer, kUnknownImage));
    EXPECT_FALSE(image_item_matches("busybox", kNoContainer));
    EXPECT_FALSE(image_item_matches(kUnknownImage, "busybox"));
    EXPECT_FALSE(image_item_problem(kNoContainer));
    EXPECT_FALSE(image_item_problem(kUnknownImage));
    EXPECT_FALSE(image_item_problem("registry.example:5000/team/app:1.2@sha256:0123abcd"));
    EXPECT_TRUE(image_item_problem("(host)"));
    EXPECT_TRUE(image_item_problem("-app"));
    EXPECT_TRUE(image_item_problem(std::string(600, 'a')));
}

constexpr const char* kScoped = R"(version: 1
destinations:
  - host: mirror.example
    port: 443
    proto: tcp
    processes:
      - /usr/bin/apt-get
    images:
      - debian:12
      - (no container)
  - host: api.example
    port: 443
    proto: tcp
    processes: []
    images:
      - registry.example/app
)";

DestinationQuery query(const char* host, const char* exe, std::optional<std::string> image) {
    DestinationQuery q;
    q.address = *IpAddress::parse("198.18.0.9");
    q.port = 443;
    q.protocol = EW_IPPROTO_TCP;
    q.host = host;
    q.exe = exe;
    q.image = std::move(image);
    return q;
}

TEST(ImageReference, AnEntryAllowsOnlyItsImagesAndEachListRestrictsOnItsOwn) {
    Allowlist list = parse_allowlist(kScoped, "scoped.yaml");
    AllowlistMatcher m(list);
    EXPECT_TRUE(m.allows(query("mirror.example", "/usr/bin/apt-get", "docker.io/library/debian:12")));
    EXPECT_TRUE(m.allows(query("mirror.example", "/usr/bin/apt-get", std::string(kNoContainer))));
    EXPECT_FALSE(m.allows(query("mirror.example", "/usr/bin/apt-get", "debian:11")));
    EXPECT_FALSE(m.allows(query("mirror.example", "/usr/bin/curl", "debian:12"))) << "processes still apply";
    EXPECT_FALSE(m.allows(query("mirror.example", "/usr/bin/apt-get", std::nullopt)))
        << "an unknown image is not among the listed ones";
    EXPECT_TRUE(m.allows(query("api.example", "/app/server", "registry.example/app:7")));
    EXPECT_FALSE(m.allows(query("api.example", "/usr/bin/curl", std::string(kNoContainer))))
        << "an entry listing only images allows no process outside containers";
    EXPECT_FALSE(m.allows(query("api.example", "/app/server", std::string(kUnknownImage))));
}

TEST(ImageReference, WriterAndLoaderAgreeAndAnEntryWithoutImagesIsWrittenAsBefore) {
    Allowlist list = parse_allowlist(kScoped, "scoped.yaml");
    ASSERT_EQ(list.destinations[0].images, (std::vector<std::string>{"debian:12", "(no container)"}));
    std::string text = write_allowlist_yaml(list, "t");
    Allowlist again = parse_allowlist(text, "again.yaml");
    ASSERT_EQ(again.destinations.size(), 2u);
    EXPECT_EQ(again.destinations[0], list.destinations[0]);
    EXPECT_EQ(again.destinations[1].images, list.destinations[1].images);

    Allowlist plain =
        parse_allowlist("version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n", "p");
    EXPECT_EQ(write_allowlist_yaml(plain, "t").find("images"), std::string::npos);
}

TEST(ImageReference, MergeUnionsImagesAndAnyImageWins) {
    auto one = [](const char* images) {
        return parse_allowlist(
            std::string("version: 1\ndestinations:\n  - host: a.example\n    port: 1\n    proto: tcp\n") + images, "x");
    };
    Allowlist merged =
        merge_allowlists({{one("    images: [debian:12]\n"), "a"}, {one("    images: [alpine, debian:12]\n"), "b"}});
    ASSERT_EQ(merged.destinations.size(), 1u);
    EXPECT_EQ(merged.destinations[0].images, (std::vector<std::string>{"alpine", "debian:12"}));
    Allowlist widened = merge_allowlists({{one("    images: [debian:12]\n"), "a"}, {one(""), "b"}});
    EXPECT_TRUE(widened.destinations[0].images.empty()) << "a union may only widen";

    auto changes = diff_allowlists(one("    images: [debian:12]\n"), one("    images: [alpine]\n"));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(render_diff_text(changes), "~ a.example:1/tcp images +alpine -debian:12\n");
    EXPECT_EQ(render_diff_text(diff_allowlists(one("    images: [debian:12]\n"), one(""))),
              "~ a.example:1/tcp images +* -debian:12\n");
}

}  // namespace
}  // namespace egresswatch
