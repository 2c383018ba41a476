# mithril_add_model(): a model compiled by mlc-compile at build time, as a
# library target with the generated header. Reference: docs/cmake.md.
#
#   mithril_add_model(<target> MODEL <file> [NAME <name>] [WEIGHTS <file>]
#                     [TARGET <t>] [SHAPES <name=dims>...] [PRECISION <p>]
#                     [QUANTIZE <q>] [OPTIONS <flag>...] [SHARED])
#
# Needs the imported target Mithril::mlc-compile (find_package(Mithril)).

function(mithril_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "SHARED;STATIC"
    "MODEL;NAME;WEIGHTS;TARGET;PRECISION;QUANTIZE" "SHAPES;OPTIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mithril_add_model(${target}): unknown arguments "
                        "'${arg_UNPARSED_ARGUMENTS}'")
  endif()
  if(NOT arg_MODEL)
    message(FATAL_ERROR "mithril_add_model(${target}): MODEL <file> is required")
  endif()
  if(arg_SHARED AND arg_STATIC)
    message(FATAL_ERROR "mithril_add_model(${target}): SHARED or STATIC, not both")
  endif()
  if(NOT TARGET Mithril::mlc-compile)
    message(FATAL_ERROR "mithril_add_model(${target}): no Mithril::mlc-compile; "
                        "call find_package(Mithril) first")
  endif()

  # The C name: the header <name>.h and the functions <name>_create, ...
  set(name "${target}")
  if(arg_NAME)
    set(name "${arg_NAME}")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "mithril_add_model(${target}): '${name}' is not a C "
                        "identifier; give NAME <name>")
  endif()

  cmake_path(ABSOLUTE_PATH arg_MODEL BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
             OUTPUT_VARIABLE model)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/mithril/${target}")
  set(object "${dir}/${name}.o")
  set(header "${dir}/${name}.h")
  set(depfile "${dir}/${name}.d")
  file(MAKE_DIRECTORY "${dir}")

  # A shared library exports the reflection symbol, so that the runtime and
  # mlc-run can open it; in a static one it stays local, so that several
  # models link into one program.
  if(arg_SHARED)
    set(type SHARED)
    set(reflection exported)
    set(runtime Mithril::runtime)
  else()
    set(type STATIC)
    set(reflection local)
    set(runtime Mithril::runtime_static)
  endif()

  set(command "${model}" -o "${object}" "--name=${name}"
      "--reflection=${reflection}" "--depfile=${depfile}")
  set(inputs "${model}")
  if(arg_WEIGHTS)
    cmake_path(ABSOLUTE_PATH arg_WEIGHTS BASE_DIRECTORY
               "${CMAKE_CURRENT_SOURCE_DIR}" OUTPUT_VARIABLE weights)
    list(APPEND command --weights "${weights}")
    list(APPEND inputs "${weights}")
  endif()
  if(arg_TARGET)
    list(APPEND command "--target=${arg_TARGET}")
  endif()
  foreach(shape IN LISTS arg_SHAPES)
    list(APPEND command --shape "${shape}")
  endforeach()
  if(arg_PRECISION)
    list(APPEND command "--precision=${arg_PRECISION}")
  endif()
  if(arg_QUANTIZE)
    list(APPEND command "--quantize=${arg_QUANTIZE}")
  endif()
  list(APPEND command ${arg_OPTIONS})

  set(outputs "${object}" "${header}")
  set(weights_file "")
  if("--weights-mode=external" IN_LIST arg_OPTIONS)
    set(weights_file "${dir}/${name}.safetensors")
    list(APPEND outputs "${weights_file}")
  endif()

  # The depfile adds the weights a model file names itself.
  add_custom_command(OUTPUT ${outputs}
    COMMAND Mithril::mlc-compile ${command}
    DEPENDS ${inputs} "$<TARGET_FILE:Mithril::mlc-compile>"
    DEPFILE "${depfile}"
    COMMENT "Compiling model ${name} (${arg_MODEL}) with mlc-compile"
    VERBATIM)

  add_library(${target} ${type} "${object}" "${header}")
  set_target_properties(${target} PROPERTIES
    LINKER_LANGUAGE C
    MITHRIL_MODEL "${model}"
    MITHRIL_HEADER "${header}"
    MITHRIL_WEIGHTS_FILE "${weights_file}")
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${dir}>")
  # The generated code calls libm (expf, tanhf, ...); as a flag, so that a
  # target named `m` is not taken for it.
  target_link_libraries(${target} PUBLIC ${runtime} -lm)
endfunction()
