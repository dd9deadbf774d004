# Turns src/store/migrations/<engine>/NNNN_name.sql into a C++ table of
# {engine, version, name, sql}, ordered by file name.
file(GLOB files RELATIVE ${DIR} ${DIR}/*/*.sql)
list(SORT files)
set(body "#include \"store/migrations.hpp\"\nnamespace latchkey::store {\nconst std::vector<Migration>& all_migrations() {\n  static const std::vector<Migration> m = {\n")
foreach(f ${files})
  get_filename_component(engine ${f} DIRECTORY)
  get_filename_component(name ${f} NAME_WE)
  string(REGEX MATCH "^[0-9]+" version ${name})
  # Written as a decimal literal: "0030" in C++ source would be octal 24.
  # (One REGEX MATCH: REGEX REPLACE with "^" matches again at the start of
  # what is left, which made "0100" 10.)
  string(REGEX MATCH "[1-9][0-9]*$" version "${version}")
  if(version STREQUAL "")
    set(version 0)
  endif()
  file(READ ${DIR}/${f} sql)
  string(APPEND body "    {\"${engine}\", ${version}, \"${name}\", R\"__sql__(${sql})__sql__\"},\n")
endforeach()
string(APPEND body "  };\n  return m;\n}\n}  // namespace latchkey::store\n")
file(WRITE ${OUT} "${body}")
