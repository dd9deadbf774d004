#include "http/route_spec.hpp"

namespace latchkey::http {

namespace {

FieldSpec typed(std::string name, FieldType type) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  return f;
}

}  // namespace

FieldSpec string_field(std::string name) { return typed(std::move(name), FieldType::kString); }
FieldSpec one_of_field(std::string name, std::vector<std::string> values) {
  FieldSpec f = typed(std::move(name), FieldType::kString);
  f.values = std::move(values);
  return f;
}
FieldSpec boolean_field(std::string name) { return typed(std::move(name), FieldType::kBoolean); }
FieldSpec integer_field(std::string name) { return typed(std::move(name), FieldType::kInteger); }
FieldSpec object_field(std::string name) { return typed(std::move(name), FieldType::kObject); }
FieldSpec array_field(std::string name) { return typed(std::move(name), FieldType::kArray); }
FieldSpec any_field(std::string name) { return typed(std::move(name), FieldType::kAny); }

const ObjectSpec kNoFields{};

const FieldSpec* ObjectSpec::find(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace latchkey::http
