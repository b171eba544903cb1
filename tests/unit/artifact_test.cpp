#include <gtest/gtest.h>

#include <ostream>

#include "protocols/http/artifact.h"

using namespace egresswatch;

namespace {
struct ArtifactCase {
    const char* path;
    const char* kind;  // nullptr: not an artifact
};

// Names each case by its path in test listings (ctest shows it) instead of as raw bytes.
[[maybe_unused]] void PrintTo(const ArtifactCase& c, std::ostream* os) { *os << c.path; }

class ArtifactTypeTest : public ::testing::TestWithParam<ArtifactCase> {};
}  // namespace

TEST_P(ArtifactTypeTest, Classifies) {
    const auto& c = GetParam();
    const auto kind = artifact_type(c.path);
    if (c.kind)
        EXPECT_EQ(kind, c.kind) << c.path;
    else
        EXPECT_FALSE(kind) << c.path << " -> " << *kind;
}

INSTANTIATE_TEST_SUITE_P(
    Artifact, ArtifactTypeTest,
    ::testing::Values(
        // packages, and the longest suffix winning over shorter ones
        ArtifactCase{"/debian/pool/main/c/curl/curl_7.88.1-10_amd64.deb", "package"},
        ArtifactCase{"/pool/main/d/debian-installer/x.udeb", "package"},
        ArtifactCase{"/centos/9/BaseOS/x86_64/os/Packages/bash-5.1.8-6.el9.x86_64.rpm", "package"},
        ArtifactCase{"/alpine/v3.18/main/x86_64/musl-1.2.4-r2.apk", "package"},
        ArtifactCase{"/packages/ab/cd/requests-2.31.0-py3-none-any.whl", "package"},
        ArtifactCase{"/gems/rails-7.1.0.gem", "package"}, ArtifactCase{"/v3/x/Newtonsoft.Json.13.0.3.nupkg", "package"},
        ArtifactCase{"/crates/serde/serde-1.0.0.crate", "package"},
        ArtifactCase{"/core/os/x86_64/bash-5.2-1-x86_64.pkg.tar.zst", "package"},
        ArtifactCase{"/extra/os/x86_64/old-1.0-1-any.pkg.tar.xz", "package"},
        ArtifactCase{"/lodash/-/lodash-4.17.21.tgz", "package"},
        ArtifactCase{"/@types/node/-/node-20.1.0.tgz", "package"},
        ArtifactCase{"/api/v1/crates/serde/1.0.188/download", "package"},
        // archives
        ArtifactCase{"/dist/node-v20.5.0-linux-x64.tar.xz", "archive"},
        ArtifactCase{"/releases/download/v1.2/tool_1.2_linux_amd64.tar.gz", "archive"},
        ArtifactCase{"/packages/source/r/requests/requests-2.31.0.tar.gz", "archive"},
        ArtifactCase{"/x/y.TGZ", "archive"}, ArtifactCase{"/x/y.zip", "archive"}, ArtifactCase{"/x/y.7z", "archive"},
        ArtifactCase{"/x/y.tar.zst", "archive"}, ArtifactCase{"/x/y.tar.bz2", "archive"},
        ArtifactCase{"/x/y.gz", "archive"}, ArtifactCase{"/x/y.tar", "archive"},
        ArtifactCase{"/golang.org/x/net/@v/v0.17.0.zip", "archive"},
        // java, images, binaries, scripts
        ArtifactCase{"/maven2/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.jar", "java"},
        ArtifactCase{"/maven2/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.pom", "java"},
        ArtifactCase{"/debian-cd/12.1.0/amd64/iso-cd/debian-12.1.0-amd64-netinst.iso", "image"},
        ArtifactCase{"/images/jammy-server-cloudimg-amd64.img", "image"}, ArtifactCase{"/x/disk.qcow2", "image"},
        ArtifactCase{"/x/setup.exe", "binary"}, ArtifactCase{"/x/Tool-x86_64.AppImage", "binary"},
        ArtifactCase{"/x/libfoo.so", "binary"}, ArtifactCase{"/get-docker.sh", "script"},
        ArtifactCase{"/install.ps1", "script"}, ArtifactCase{"/get-pip.py", "script"},
        // checksums and signatures, including of other artifacts
        ArtifactCase{"/dist/v20.5.0/SHASUMS256.txt.asc", "signature"},
        ArtifactCase{"/debian-cd/12.1.0/amd64/iso-cd/SHA256SUMS", "checksum"},
        ArtifactCase{"/debian-cd/12.1.0/amd64/iso-cd/SHA512SUMS.sign", "signature"},
        ArtifactCase{"/dist/v20.5.0/SHASUMS256.txt", "checksum"}, ArtifactCase{"/x/tool.tar.gz.sha256", "checksum"},
        ArtifactCase{"/maven2/a/b/1/b-1.jar.sha1", "checksum"}, ArtifactCase{"/x/y.deb.asc", "signature"},
        ArtifactCase{"/x/y.sig", "signature"}, ArtifactCase{"/keys/repo.gpg", "signature"},
        // repository indexes
        ArtifactCase{"/debian/dists/bookworm/InRelease", "repository-index"},
        ArtifactCase{"/debian/dists/bookworm/Release", "repository-index"},
        ArtifactCase{"/debian/dists/bookworm/Release.gpg", "repository-index"},
        ArtifactCase{"/debian/dists/bookworm/main/binary-amd64/Packages.xz", "repository-index"},
        ArtifactCase{"/debian/dists/bookworm/main/binary-amd64/Packages.gz", "repository-index"},
        ArtifactCase{"/debian/dists/bookworm/main/source/Sources.xz", "repository-index"},
        ArtifactCase{"/debian/dists/bookworm/main/i18n/Translation-en.bz2", "repository-index"},
        ArtifactCase{"/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/0123abcd", "repository-index"},
        ArtifactCase{"/centos/9/BaseOS/x86_64/os/repodata/repomd.xml", "repository-index"},
        ArtifactCase{"/centos/9/BaseOS/x86_64/os/repodata/abc-primary.xml.gz", "repository-index"},
        ArtifactCase{"/alpine/v3.18/main/x86_64/APKINDEX.tar.gz", "repository-index"},
        // container registry blobs
        ArtifactCase{"/v2/library/alpine/blobs/sha256:"
                     "c1aabb73d2339c5ebaa3681de2e9d9c18d57485045a4e311d9f8004bec208d67",
                     "container-layer"},
        ArtifactCase{"/v2/alpine/blobs/sha256:C1AABB73D2339C5EBAA3681DE2E9D9C18D57485045A4E311D9F8004BEC208D67",
                     "container-layer"},
        ArtifactCase{"/v2/library/alpine/blobs/sha256:c1aabb", nullptr},
        ArtifactCase{"/v2/library/alpine/manifests/latest", nullptr},
        // not files
        ArtifactCase{"/simple/requests/", nullptr}, ArtifactCase{"/simple/requests", nullptr},
        ArtifactCase{"/api/v1/users", nullptr}, ArtifactCase{"/v2/", nullptr}, ArtifactCase{"/", nullptr},
        ArtifactCase{"", nullptr}, ArtifactCase{"/index.html", nullptr}, ArtifactCase{"/data.json", nullptr},
        ArtifactCase{"/pool/x.deb/", nullptr}, ArtifactCase{"/.deb", nullptr},
        ArtifactCase{"/download?file=x.deb", nullptr}, ArtifactCase{"/x.deb?mirror=1#top", "package"},
        ArtifactCase{"/lodash", nullptr}, ArtifactCase{"/api/v1/crates/serde", nullptr},
        ArtifactCase{"/api/v1/crates//download", nullptr}));
