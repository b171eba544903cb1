#pragma once
// The Elastic Common Schema as the ECS tests check documents against it: its field list (the
// ECS project's generated fields.csv, in ../shared/ecs/), the JSON a field of each ECS type may
// hold, and the allowed values of the categorization fields (ECS's schemas/event.yml).

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/ip_address.h"
#include "base/json.h"
#include "base/timefmt.h"

namespace egresswatch::test {

// Field name to ECS type ("destination.port" -> "long"). Empty when the file cannot be read.
inline std::map<std::string, std::string> load_ecs_fields(const std::string& path) {
    std::map<std::string, std::string> fields;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // field,type,level,field_set,ecs_version
    while (std::getline(in, line)) {
        std::istringstream row(line);
        std::string name, type;
        if (std::getline(row, name, ',') && std::getline(row, type, ',')) fields[name] = type;
    }
    return fields;
}

// Whether `value` is what a field of ECS type `type` holds in a JSON document. Object types
// hold objects, which the check walks into instead of asking this.
inline bool json_fits_ecs_type(const std::string& type, const Json& value) {
    static const std::set<std::string> strings{"keyword", "constant_keyword", "wildcard", "text", "match_only_text"};
    static const std::set<std::string> integers{"long", "integer", "short", "byte", "unsigned_long"};
    static const std::set<std::string> numbers{"float", "half_float", "scaled_float", "double"};
    if (strings.count(type)) return value.is_string();
    if (integers.count(type)) return value.is_number_integer();
    if (numbers.count(type)) return value.is_number();
    if (type == "boolean") return value.is_boolean();
    if (type == "date") return value.is_string() && parse_timestamp(value.get<std::string>()).has_value();
    if (type == "ip") return value.is_string() && IpAddress::parse(value.get<std::string>()).has_value();
    return false;
}

namespace detail {

inline void check_value(const std::map<std::string, std::string>& ecs, const std::string& field, const Json& value,
                        std::vector<std::string>& problems);

inline void check_object(const std::map<std::string, std::string>& ecs, const std::string& field, const Json& object,
                         std::vector<std::string>& problems) {
    if (!field.empty()) {
        // An object is a field set ("process": in no row) or a field of an object type.
        auto it = ecs.find(field);
        if (it != ecs.end() && it->second != "object" && it->second != "nested" && it->second != "flattened")
            problems.push_back(field + " is an ECS " + it->second + ", written as an object");
    }
    if (object.empty()) problems.push_back((field.empty() ? "the document" : field) + " is an empty object");
    for (const auto& [key, child] : object.items())
        check_value(ecs, field.empty() ? key : field + "." + key, child, problems);
}

inline void check_value(const std::map<std::string, std::string>& ecs, const std::string& field, const Json& value,
                        std::vector<std::string>& problems) {
    if (value.is_object()) return check_object(ecs, field, value, problems);
    if (value.is_array()) {
        // Any ECS field may hold an array; an array of objects holds the object's fields.
        if (value.empty()) problems.push_back(field + " is an empty array");
        for (const Json& element : value) {
            if (element.is_array())
                problems.push_back(field + " holds an array in an array");
            else
                check_value(ecs, field, element, problems);
        }
        return;
    }
    if (value.is_null()) {
        problems.push_back(field + " is null: ECS leaves out what is not known");
        return;
    }
    auto it = ecs.find(field);
    if (it == ecs.end())
        problems.push_back(field + " is not an ECS field");
    else if (!json_fits_ecs_type(it->second, value))
        problems.push_back(field + " is an ECS " + it->second + ", written as " + value.dump());
}

}  // namespace detail

// What in `doc` is not ECS: fields ECS does not have, values of the wrong JSON type, nulls,
// and objects where ECS has a value. Empty when the document is all ECS.
inline std::vector<std::string> ecs_problems(const std::map<std::string, std::string>& ecs, const Json& doc) {
    std::vector<std::string> problems;
    if (!doc.is_object()) return {"the document is not an object"};
    detail::check_object(ecs, "", doc, problems);
    return problems;
}

// event.kind's and event.category's allowed values, and the event.type values ECS expects with
// each category (ECS 8.11, schemas/event.yml).
inline const std::set<std::string> kEcsEventKinds{"alert",  "asset",          "enrichment", "event",
                                                  "metric", "pipeline_error", "signal",     "state"};
inline const std::map<std::string, std::set<std::string>> kEcsCategoryTypes{
    {"api", {"access", "admin", "allowed", "change", "creation", "deletion", "denied", "end", "info", "start", "user"}},
    {"authentication", {"start", "end", "info"}},
    {"configuration", {"access", "change", "creation", "deletion", "info"}},
    {"database", {"access", "change", "info", "error"}},
    {"driver", {"change", "end", "info", "start"}},
    {"email", {"info"}},
    {"file", {"access", "change", "creation", "deletion", "info"}},
    {"host", {"access", "change", "end", "info", "start"}},
    {"iam", {"admin", "change", "creation", "deletion", "group", "info", "user"}},
    {"intrusion_detection", {"allowed", "denied", "info"}},
    {"library", {"start"}},
    {"malware", {"info"}},
    {"network", {"access", "allowed", "connection", "denied", "end", "info", "protocol", "start"}},
    {"package", {"access", "change", "deletion", "info", "installation", "start"}},
    {"process", {"access", "change", "end", "info", "start"}},
    {"registry", {"access", "change", "creation", "deletion"}},
    {"session", {"start", "end", "info"}},
    {"threat", {"indicator"}},
    {"vulnerability", {"info"}},
    {"web", {"access", "error", "info"}},
};
inline const std::set<std::string> kEcsEventTypes{
    "access", "admin", "allowed",   "change", "connection",   "creation", "deletion", "denied", "end",
    "error",  "group", "indicator", "info",   "installation", "protocol", "start",    "user"};

}  // namespace egresswatch::test
