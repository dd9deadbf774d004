# Turns every file under DIR into a C++ table of {path, bytes} (paths
# relative to DIR, sorted), so the server serves them without reading the
# disk: cmake -DDIR=<dir> -DOUT=<cpp> -DNAME=<function> -P embed_files.cmake
# The function is latchkey::http::NAME(), declared in http/static_files.hpp.
file(GLOB_RECURSE files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)
set(arrays "")
set(table "")
set(i 0)
foreach(f ${files})
  file(READ ${DIR}/${f} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # A trailing 0 keeps an empty file's array non-empty; `size` excludes it.
  string(APPEND arrays "const unsigned char f${i}[] = {${bytes}0};\n")
  string(APPEND table "      {\"${f}\", std::string_view(reinterpret_cast<const char*>(f${i}), ${size})},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT}.tmp "#include \"http/static_files.hpp\"\nnamespace latchkey::http {\nnamespace {\n${arrays}}  // namespace\nconst std::vector<EmbeddedFile>& ${NAME}() {\n  static const std::vector<EmbeddedFile> files = {\n${table}  };\n  return files;\n}\n}  // namespace latchkey::http\n")
# Rewritten only when it changed, so an unchanged tree recompiles nothing.
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
