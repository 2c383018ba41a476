# Fails when docs/generated/ differs from what the .td files generate, so the
# committed op and pass references never go stale.
foreach(doc ${DOCS})
  get_filename_component(name ${doc} NAME)
  file(READ ${GENERATED_DIR}/${doc} generated)
  file(READ ${COMMITTED_DIR}/${name} committed)
  if(NOT generated STREQUAL committed)
    message(FATAL_ERROR "docs/generated/${name} is stale: run "
                        "`cmake --build build --target mithril-update-docs`")
  endif()
endforeach()
