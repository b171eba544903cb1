#include "protocols/http/artifact.h"

#include <algorithm>
#include <iterator>

#include "base/ascii.h"

namespace egresswatch {
namespace {

struct SuffixKind {
    std::string_view suffix;
    std::string_view kind;
};

constexpr SuffixKind kSuffixes[] = {
    {".deb", "package"},        {".udeb", "package"},     {".rpm", "package"},      {".apk", "package"},
    {".whl", "package"},        {".egg", "package"},      {".gem", "package"},      {".nupkg", "package"},
    {".crate", "package"},      {".snap", "package"},     {".ipk", "package"},      {".pkg.tar.zst", "package"},
    {".pkg.tar.xz", "package"}, {".tar", "archive"},      {".tar.gz", "archive"},   {".tgz", "archive"},
    {".tar.xz", "archive"},     {".txz", "archive"},      {".tar.bz2", "archive"},  {".tbz2", "archive"},
    {".tar.zst", "archive"},    {".zip", "archive"},      {".7z", "archive"},       {".gz", "archive"},
    {".xz", "archive"},         {".bz2", "archive"},      {".zst", "archive"},      {".jar", "java"},
    {".war", "java"},           {".ear", "java"},         {".aar", "java"},         {".pom", "java"},
    {".iso", "image"},          {".img", "image"},        {".qcow2", "image"},      {".vmdk", "image"},
    {".vhd", "image"},          {".ova", "image"},        {".raw", "image"},        {".exe", "binary"},
    {".msi", "binary"},         {".dmg", "binary"},       {".bin", "binary"},       {".appimage", "binary"},
    {".so", "binary"},          {".sha256", "checksum"},  {".sha512", "checksum"},  {".sha1", "checksum"},
    {".md5", "checksum"},       {".asc", "signature"},    {".sig", "signature"},    {".gpg", "signature"},
    {".sh", "script"},          {".ps1", "script"},       {".py", "script"},        {".sha256sum", "checksum"},
    {".sha512sum", "checksum"}, {".md5sum", "checksum"},  {".sha1sum", "checksum"}, {".vhdx", "image"},
    {".tar.lz", "archive"},     {".tar.lzma", "archive"}, {".lz4", "archive"},      {".zstd", "archive"},
    {".sign", "signature"},
};

constexpr std::string_view kChecksumLists[] = {"sha256sums", "sha512sums", "sha1sums",
                                               "md5sums",    "sha224sums", "shasums256.txt"};

// apt: dists/<suite>/Release, InRelease, Release.gpg, and per-component Packages, Sources,
// Translation-*, Contents-*, ... including the by-hash/ copies apt fetches by default.
bool is_apt_index(std::string_view lower_path, std::string_view file) {
    if (lower_path.find("/dists/") == std::string_view::npos && !lower_path.starts_with("dists/")) return false;
    if (lower_path.find("/by-hash/") != std::string_view::npos) return true;
    if (file == "release" || file == "inrelease" || file == "release.gpg") return true;
    for (std::string_view stem : {"packages", "sources", "translation-", "contents-", "components-", "icons-"})
        if (file.starts_with(stem)) return true;
    return false;
}

bool is_repository_index(std::string_view lower_path, std::string_view file) {
    if (is_apt_index(lower_path, file)) return true;
    if (lower_path.find("/repodata/") != std::string_view::npos || lower_path.starts_with("repodata/")) return true;
    return file == "apkindex.tar.gz";
}

// /v2/<name>/blobs/sha256:<64 hex>; <name> may have several components (library/alpine).
bool is_container_blob(std::string_view lower_path) {
    if (!lower_path.starts_with("/v2/")) return false;
    constexpr std::string_view kMarker = "/blobs/sha256:";
    const auto marker = lower_path.rfind(kMarker);
    if (marker == std::string_view::npos || marker <= 4) return false;
    const auto digest = lower_path.substr(marker + kMarker.size());
    return digest.size() == 64 && std::all_of(digest.begin(), digest.end(), is_ascii_hex);
}

// npm: /<package>/-/<package>-<version>.tgz (scoped: /@scope/<package>/-/...).
bool is_npm_tarball(std::string_view lower_path) {
    return lower_path.find("/-/") != std::string_view::npos && lower_path.ends_with(".tgz");
}

// crates.io: /api/v1/crates/<name>/<version>/download redirects to the .crate file.
bool is_crate_download(std::string_view lower_path) {
    constexpr std::string_view kPrefix = "/api/v1/crates/", kSuffix = "/download";
    if (lower_path.size() <= kPrefix.size() + kSuffix.size() || !lower_path.starts_with(kPrefix) ||
        !lower_path.ends_with(kSuffix))
        return false;
    const auto middle = lower_path.substr(kPrefix.size(), lower_path.size() - kPrefix.size() - kSuffix.size());
    return std::count(middle.begin(), middle.end(), '/') == 1 && middle.front() != '/' && middle.back() != '/';
}

std::optional<std::string_view> kind_by_suffix(std::string_view file) {
    const SuffixKind* best = nullptr;
    for (const auto& entry : kSuffixes) {
        // A name that is only the suffix (".deb") is a hidden file, not a package.
        if (file.size() > entry.suffix.size() && file.ends_with(entry.suffix) &&
            (!best || entry.suffix.size() > best->suffix.size()))
            best = &entry;
    }
    if (!best) return std::nullopt;
    return best->kind;
}

}  // namespace

std::optional<std::string> artifact_type(std::string_view path) {
    path = path.substr(0, path.find_first_of("?#"));
    if (path.empty() || path.back() == '/') return std::nullopt;
    const std::string lower = ascii_lowercase(path);
    const std::string_view lower_path = lower;
    const auto file = lower_path.substr(lower_path.rfind('/') + 1);

    if (is_container_blob(lower_path)) return "container-layer";
    if (is_repository_index(lower_path, file)) return "repository-index";
    if (is_npm_tarball(lower_path) || is_crate_download(lower_path)) return "package";
    if (std::find(std::begin(kChecksumLists), std::end(kChecksumLists), file) != std::end(kChecksumLists))
        return "checksum";
    if (auto kind = kind_by_suffix(file)) return std::string(*kind);
    return std::nullopt;
}

}  // namespace egresswatch
