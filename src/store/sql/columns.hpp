// A row type's columns, listed once: the SELECT list and the reader both
// come from the list, so a column's position is never written by hand.
//
//   const sql::Columns<Session> kSessionColumns{
//       {"project_id", &Session::project_id},
//       {"expires_at", &Session::expires_at_millis},
//       ...};
//   kSessionColumns.list()        -> "project_id, expires_at, ..."
//   kSessionColumns.list("s")     -> "s.project_id, s.expires_at, ..."
//   kSessionColumns.read(rows)    -> a Session from the current row
//
// A member's C++ type says how the column is read: std::string (text),
// std::optional<std::string> (text or NULL), int64_t, std::optional<int64_t>,
// bool, Json (a JSON text column; NULL is null). Bytes (BLOB / bytea) and
// computed values take a reader of their own (Column::bytes, Column::custom).
#pragma once
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "store/sql/sql.hpp"

namespace latchkey::store::sql {

template <typename Row>
class Column {
 public:
  using Reader = std::function<void(Row&, const Rows&, int)>;

  template <typename M>
  Column(const char* expr, M Row::*member) : expr_(expr), read_(reader_for(member)) {}

  // Raw bytes (a BLOB / bytea column) into an optional string member.
  static Column bytes(const char* expr, std::optional<std::string> Row::*member) {
    return Column(expr,
                  [member](Row& r, const Rows& rows, int col) { r.*member = rows.opt_blob(col); });
  }
  // Any other reading of the value at `col` (an expression, a conversion).
  static Column custom(const char* expr, Reader read) { return Column(expr, std::move(read)); }

  // The column as a SELECT item: a plain column name is qualified with the
  // table alias; an expression (anything else) is taken as written.
  std::string item(std::string_view alias) const {
    const bool plain = expr_.find_first_of(" ()'.") == std::string::npos;
    if (alias.empty() || !plain) return expr_;
    return std::string(alias) + "." + expr_;
  }
  const std::string& expr() const { return expr_; }
  void read(Row& r, const Rows& rows, int col) const { read_(r, rows, col); }

 private:
  Column(const char* expr, Reader read) : expr_(expr), read_(std::move(read)) {}

  template <typename M>
  static Reader reader_for(M Row::*member) {
    return [member](Row& r, const Rows& rows, int col) {
      if constexpr (std::is_same_v<M, std::string>)
        r.*member = rows.text(col);
      else if constexpr (std::is_same_v<M, std::optional<std::string>>)
        r.*member = rows.opt_text(col);
      else if constexpr (std::is_same_v<M, int64_t>)
        r.*member = rows.int64(col);
      else if constexpr (std::is_same_v<M, std::optional<int64_t>>)
        r.*member = rows.opt_int64(col);
      else if constexpr (std::is_same_v<M, bool>)
        r.*member = rows.boolean(col);
      else if constexpr (std::is_same_v<M, Json>)
        r.*member = rows.json(col);
      else
        static_assert(sizeof(M) == 0, "no column reader for this member type");
    };
  }

  std::string expr_;
  Reader read_;
};

template <typename Row>
class Columns {
 public:
  Columns(std::initializer_list<Column<Row>> cols) : cols_(cols) {}

  int size() const { return static_cast<int>(cols_.size()); }
  // "a, b, c", each qualified with `alias` when given.
  std::string list(std::string_view alias = {}) const {
    std::string out;
    for (const auto& c : cols_) {
      if (!out.empty()) out += ", ";
      out += c.item(alias);
    }
    return out;
  }
  // Reads the columns from the current row, the first at index `first`.
  void read_into(Row& r, const Rows& rows, int first = 0) const {
    for (size_t i = 0; i < cols_.size(); ++i) cols_[i].read(r, rows, first + static_cast<int>(i));
  }
  Row read(const Rows& rows, int first = 0) const {
    Row r{};
    read_into(r, rows, first);
    return r;
  }

 private:
  std::vector<Column<Row>> cols_;
};

}  // namespace latchkey::store::sql
