#pragma once
// Which downloads an air-gapped mirror must carry: package files, archives, images, indexes
// and their checksums and signatures, told apart from API calls by the request path.

#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

// "package", "archive", "java", "image", "container-layer", "binary", "checksum",
// "signature", "repository-index" or "script"; nullopt for API-like endpoints, directory
// listings (a trailing "/") and names without an extension. Case-insensitive; the query and
// fragment are ignored, and the longest matching suffix wins (.tar.gz is an archive, .pkg.tar.zst
// a package). Beyond suffixes: registry blobs /v2/<name>/blobs/sha256:<hex>, apt dists/ and
// yum repodata/ indexes, Alpine APKINDEX, SHA256SUMS-style lists, npm tarballs (/<pkg>/-/x.tgz
// is a package) and crates.io /api/v1/crates/<name>/<version>/download.
std::optional<std::string> artifact_type(std::string_view path);

}  // namespace egresswatch
