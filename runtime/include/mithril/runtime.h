/*===- mithril/runtime.h - The C API of libmithril_runtime ---------------===*\
|*                                                                            *|
|* Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.       *|
|*                                                                            *|
|*===----------------------------------------------------------------------===*|
|*                                                                            *|
|* What every compiled model links against, and what hosts use to load a      *|
|* model they have never seen (mlc-run, the Python frontend). Plain C; every  *|
|* call that can fail returns a mithril_status (NULL on success) whose        *|
|* message says what was wrong. Nothing aborts the process and the library    *|
|* keeps no global mutable state.                                             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MITHRIL_RUNTIME_H
#define MITHRIL_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define MITHRIL_API
#else
#define MITHRIL_API __attribute__((visibility("default")))
#endif

/*===----------------------------------------------------------------------===*
 * Status
 *===----------------------------------------------------------------------===*/

/* NULL on success; otherwise owned by the caller, freed with
 * mithril_status_free. */
typedef struct mithril_status_t *mithril_status;

typedef enum mithril_status_code {
  MITHRIL_OK = 0,
  /* An input or a weight is not what is expected. */
  MITHRIL_INVALID_ARGUMENT = 1,
  /* A file, entry or symbol does not exist. */
  MITHRIL_NOT_FOUND = 2,
  /* A file cannot be read. */
  MITHRIL_IO_ERROR = 3,
  /* E.g. the instance is already running a call. */
  MITHRIL_FAILED_PRECONDITION = 4,
  MITHRIL_INTERNAL = 5,
} mithril_status_code;

MITHRIL_API mithril_status_code mithril_status_get_code(mithril_status status);
/* "" for success; valid until the status is freed. */
MITHRIL_API const char *mithril_status_message(mithril_status status);
MITHRIL_API void mithril_status_free(mithril_status status);

/*===----------------------------------------------------------------------===*
 * Tensors
 *===----------------------------------------------------------------------===*/

typedef enum mithril_dtype {
  MITHRIL_F32 = 0,
  MITHRIL_F16 = 1,
  MITHRIL_BF16 = 2,
  MITHRIL_F64 = 3,
  MITHRIL_I64 = 4,
  MITHRIL_I32 = 5,
  MITHRIL_I8 = 6,
  MITHRIL_U8 = 7,
  MITHRIL_BOOL = 8,
} mithril_dtype;

#define MITHRIL_MAX_RANK 8

typedef enum mithril_device { MITHRIL_DEVICE_CPU = 0 } mithril_device;

/* A dense, row-major tensor. Inputs are described by the caller. An output
 * whose `data` is NULL is allocated by the library: `allocation` is then
 * set, and mithril_tensor_free releases it. An output whose `data` is set
 * is filled in place; its dtype and shape must match the result. */
typedef struct mithril_tensor {
  void *data;
  int32_t dtype; /* a mithril_dtype */
  int32_t rank;
  int64_t shape[MITHRIL_MAX_RANK];
  int32_t device; /* a mithril_device */
  void *allocation;
} mithril_tensor;

/* Bytes per element of `dtype` (0 for an unknown code). */
MITHRIL_API size_t mithril_dtype_size(int32_t dtype);
/* "f32", "f16", ... ("?" for an unknown code). */
MITHRIL_API const char *mithril_dtype_name(int32_t dtype);
/* Frees the data of a tensor the library allocated, and clears `data` and
 * `allocation`. Does nothing to a caller-owned tensor. */
MITHRIL_API void mithril_tensor_free(mithril_tensor *tensor);

/*===----------------------------------------------------------------------===*
 * Libraries and their signatures
 *===----------------------------------------------------------------------===*/

typedef struct mithril_library mithril_library;
typedef struct mithril_model mithril_model;

/* Loads a library that mlc-compile emitted, by path (a bare file name is
 * taken in the current folder, not searched for). */
MITHRIL_API mithril_status mithril_library_open(const char *path,
                                                mithril_library **out);
/* Instances created from the library keep it loaded until destroyed. */
MITHRIL_API void mithril_library_close(mithril_library *library);

/* The signature as JSON: {"entries": [{"name", "inputs", "outputs",
 * "parameters"}]}, each port {"name", "dtype", "shape", "dims"} where shape
 * has null for a dynamic dim and dims names its symbol. Valid while the
 * library is open. */
MITHRIL_API const char *
mithril_library_signature(const mithril_library *library);

typedef enum mithril_port_kind {
  MITHRIL_PORT_INPUT = 0,
  MITHRIL_PORT_OUTPUT = 1,
  MITHRIL_PORT_PARAMETER = 2,
} mithril_port_kind;

typedef struct mithril_port {
  const char *name;
  int32_t dtype;
  int32_t rank;
  int64_t shape[MITHRIL_MAX_RANK];       /* -1 for a dynamic dim */
  const char *symbols[MITHRIL_MAX_RANK]; /* the dim's symbol, or NULL */
} mithril_port;

MITHRIL_API size_t mithril_library_num_entries(const mithril_library *library);
MITHRIL_API const char *
mithril_library_entry_name(const mithril_library *library, size_t entry);
/* The index of the entry called `name` (NULL: the first entry). */
MITHRIL_API mithril_status mithril_library_find_entry(
    const mithril_library *library, const char *name, size_t *entry);
MITHRIL_API size_t mithril_library_num_ports(const mithril_library *library,
                                             size_t entry, int32_t kind);
/* The strings stay valid while the library is open. */
MITHRIL_API mithril_status mithril_library_port(const mithril_library *library,
                                                size_t entry, int32_t kind,
                                                size_t index,
                                                mithril_port *out);

/*===----------------------------------------------------------------------===*
 * Instances
 *===----------------------------------------------------------------------===*/

/* An instance of the library's model with its weights: read from the
 * safetensors file `weights_path`, or, when it is NULL, those embedded in
 * the library (or the file that --weights-mode=external put beside it).
 * Every parameter is checked by name, dtype and shape. */
MITHRIL_API mithril_status mithril_model_create(mithril_library *library,
                                                const char *weights_path,
                                                mithril_model **out);
MITHRIL_API void mithril_model_destroy(mithril_model *model);

/* The threads each call of `model` runs its parallel loops on; 0 (the
 * default) restores the library's default (mlc-compile --threads, whose
 * own default, 0, means one per core or OMP_NUM_THREADS). A library
 * compiled with --threads=1 is sequential code and ignores this. The count
 * applies to the calling thread only while the call runs: instances on
 * other threads keep theirs. */
MITHRIL_API mithril_status mithril_model_set_threads(mithril_model *model,
                                                     int32_t threads);

/* Runs `entry` once. The inputs are checked (count, dtype, rank, fixed dims,
 * symbols bound consistently) before any computation. Instances are
 * independent: two can run on two threads at once; one instance runs one
 * call at a time (a concurrent call fails with
 * MITHRIL_FAILED_PRECONDITION). */
MITHRIL_API mithril_status mithril_model_run(
    mithril_model *model, size_t entry, const mithril_tensor *const *inputs,
    size_t num_inputs, mithril_tensor *const *outputs, size_t num_outputs);

/*===----------------------------------------------------------------------===*
 * For generated libraries
 *===----------------------------------------------------------------------===*/

#define MITHRIL_ABI_VERSION 1

/* Calls one entry: `results` receives the output memref descriptors, one
 * after the other; `args` points to the input descriptors, then the
 * parameter descriptors, then those of the prepared parameters (the
 * signature's `prepared`: parameters with permuted dims, made at create),
 * then the descriptor of the instance's arena (a
 * 64-byte aligned memref<?xi8> of the signature's `arena_bytes`) (MLIR's C
 * interface). A result may be a view of the arena: it is copied out before
 * the next call. */
typedef void (*mithril_entry_fn)(void *results, void *const *args);

/* What the reflection symbol `mithril_library_v1` of a generated library
 * holds. */
typedef struct mithril_library_info {
  uint32_t abi_version;
  uint32_t num_entries;
  const char *signature; /* the JSON of mithril_library_signature */
  const mithril_entry_fn *entries;
  const uint8_t *weights_begin; /* embedded safetensors image, or NULL */
  const uint8_t *weights_end;
  const char *weights_file; /* external weights beside the library, or NULL */
} mithril_library_info;

/* What the typed `<name>_create` wrappers of a generated library call. */
MITHRIL_API mithril_status
mithril_model_create_from_info(const mithril_library_info *info,
                               const char *weights_path, mithril_model **out);

#ifdef __cplusplus
}
#endif

#endif /* MITHRIL_RUNTIME_H */
