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

/* Where a tensor's memory is, or what an instance runs on. A device is a
 * type and an index (`cuda:1` is MITHRIL_DEVICE_CUDA with index 1). This
 * runtime runs libraries compiled for the CPU; CUDA tensors and instances
 * are described, and refused by a CPU library with a message. */
typedef enum mithril_device_type {
  MITHRIL_DEVICE_CPU = 0,
  MITHRIL_DEVICE_CUDA = 1,
} mithril_device_type;
/* The former name of mithril_device_type. */
typedef mithril_device_type mithril_device;

/* A dense, row-major tensor. Inputs are described by the caller. An output
 * whose `data` is NULL is allocated by the library: `allocation` is then
 * set, and mithril_tensor_free releases it. An output whose `data` is set
 * is filled in place; its dtype and shape must match the result.
 * Zero-initialise a tensor before filling it in: {0} is a host (CPU)
 * tensor that owns nothing. */
typedef struct mithril_tensor {
  void *data;
  int32_t dtype; /* a mithril_dtype */
  int32_t rank;
  int64_t shape[MITHRIL_MAX_RANK];
  int32_t device;       /* a mithril_device_type; 0 is the CPU */
  int32_t device_index; /* which device of that type; ignored for the CPU */
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
 * Conversions between f32 and the 16-bit floating-point types
 *===----------------------------------------------------------------------===*/

/* Each converts `count` elements from `src` to `dst`, which must not
 * overlap; if either is NULL, nothing is converted. Narrowing rounds to
 * nearest, ties to even: a value beyond the largest finite one becomes an
 * infinity of its sign, one below the smallest becomes a subnormal (f16) or a
 * signed zero. A NaN stays a NaN of the same sign (made quiet, its payload's
 * top bits kept); an infinity stays one. Widening is exact. Thread-safe;
 * allocate nothing. f16 is IEEE binary16; bf16 is bfloat16, the top half of an
 * f32. */
MITHRIL_API void mithril_convert_f32_to_f16(const float *src, uint16_t *dst,
                                            size_t count);
MITHRIL_API void mithril_convert_f16_to_f32(const uint16_t *src, float *dst,
                                            size_t count);
MITHRIL_API void mithril_convert_f32_to_bf16(const float *src, uint16_t *dst,
                                             size_t count);
MITHRIL_API void mithril_convert_bf16_to_f32(const uint16_t *src, float *dst,
                                             size_t count);

/* Converts the elements of `src` to `dst->dtype` (the conversions above;
 * f16 <-> bf16 goes through f32, exactly as two calls would; the same dtype
 * is a copy). Both dtypes must be f32, f16 or bf16, and both tensors on the
 * CPU. When `dst->data` is NULL, the call allocates it (set `allocation`,
 * free with mithril_tensor_free) and sets its rank and shape to `src`'s;
 * otherwise `dst` must have `src`'s shape. On failure `dst` is left as it
 * was. Thread-safe for distinct `dst`. */
MITHRIL_API mithril_status mithril_tensor_convert(const mithril_tensor *src,
                                                  mithril_tensor *dst);

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

/* How to create an instance. Fill one with mithril_model_options_initialize,
 * then change the fields that matter; the struct may gain fields in later
 * versions, which the initializer sets to their defaults. */
typedef struct mithril_model_options {
  /* What the instance runs on: a mithril_device_type (default
   * MITHRIL_DEVICE_CPU). A library compiled for the CPU refuses any other. */
  int32_t device_type;
  /* Which device of that type (default 0); the CPU has only 0. */
  int32_t device_index;
  /* Threads per call, as mithril_model_set_threads sets them (default 0:
   * the library's own count). */
  int32_t threads;
  /* A safetensors file of the parameters, read at create (and mmapped for
   * as long as the instance lives); NULL (the default): the weights
   * embedded in the library, or the file that --weights-mode=external put
   * beside it. Not kept: the string may be freed after create. */
  const char *weights_path;
} mithril_model_options;

/* Sets every field of `options` to its default (a CPU instance with the
 * library's weights and thread count). */
MITHRIL_API void
mithril_model_options_initialize(mithril_model_options *options);

/* Creates an instance of the library's model as `options` (NULL: the
 * defaults) say. Every parameter is checked by name, dtype and shape before
 * the instance exists; nothing is written to `*out` but NULL on failure.
 * The instance keeps the library loaded until it is destroyed; the caller
 * owns it and releases it with mithril_model_destroy. Instances are
 * independent of each other: create them from any thread. */
MITHRIL_API mithril_status mithril_model_create_with_options(
    mithril_library *library, const mithril_model_options *options,
    mithril_model **out);

/* mithril_model_create_with_options with the defaults and `weights_path`:
 * a safetensors file, or NULL for the library's own weights. */
MITHRIL_API mithril_status mithril_model_create(mithril_library *library,
                                                const char *weights_path,
                                                mithril_model **out);
/* Releases the instance and everything it owns. No call on it may be
 * running; `model` may be NULL. */
MITHRIL_API void mithril_model_destroy(mithril_model *model);

/* The threads each call of `model` runs its parallel loops on; 0 (the
 * default) restores the library's default (mlc-compile --threads, whose
 * own default, 0, means one per core or OMP_NUM_THREADS). A library
 * compiled with --threads=1 is sequential code and ignores this. The count
 * applies to the calling thread only while the call runs: instances on
 * other threads keep theirs. */
MITHRIL_API mithril_status mithril_model_set_threads(mithril_model *model,
                                                     int32_t threads);

/* Runs `entry` once. The inputs are checked (count, device, dtype, rank,
 * fixed dims, symbols bound consistently) before any computation; inputs
 * and caller-allocated outputs must be on the CPU. Instances are
 * independent: two can run on two threads at once; one instance runs one
 * call at a time (a concurrent call fails with
 * MITHRIL_FAILED_PRECONDITION). */
MITHRIL_API mithril_status mithril_model_run(
    mithril_model *model, size_t entry, const mithril_tensor *const *inputs,
    size_t num_inputs, mithril_tensor *const *outputs, size_t num_outputs);

/*===----------------------------------------------------------------------===*
 * Parameters of an instance
 *===----------------------------------------------------------------------===*
 *
 * The parameters are the library's weights by their state_dict names
 * (`linear_0.weight`), one each across all entries (entries that name the
 * same parameter share it). An instance starts with the weights it was
 * created with, read-only; the first write of a parameter copies it into
 * memory the instance owns, so an embedded or mmapped image is never
 * written. Read, write, load and save are calls like mithril_model_run:
 * one at a time per instance, and any of them while another call on the
 * instance is running fails with MITHRIL_FAILED_PRECONDITION. The list of
 * parameters never changes after create, so mithril_model_num_parameters and
 * mithril_model_parameter are safe at any time. */

/* The number of distinct parameters of the instance (0 for NULL). */
MITHRIL_API size_t mithril_model_num_parameters(const mithril_model *model);

/* The name, dtype and shape of parameter `index` (in the order the
 * signature first lists them); symbols are NULL, as every dim is fixed. The
 * strings are valid while the instance exists. */
MITHRIL_API mithril_status mithril_model_parameter(const mithril_model *model,
                                                   size_t index,
                                                   mithril_port *out);

/* Copies the current values of parameter `name` into `out`. When
 * `out->data` is NULL, the call allocates the buffer (sets `allocation`;
 * free it with mithril_tensor_free) and sets dtype, rank, shape and device;
 * otherwise `out` must be a CPU tensor of the parameter's dtype and shape,
 * which is filled in place. */
MITHRIL_API mithril_status mithril_model_read_parameter(mithril_model *model,
                                                        const char *name,
                                                        mithril_tensor *out);

/* Replaces the values of parameter `name` with those of `value` (a CPU
 * tensor of the parameter's dtype and shape; copied, not kept), and
 * remakes every prepared copy of it, so the next call computes with them.
 * A parameter that is not found is MITHRIL_NOT_FOUND; a value of another
 * dtype or shape is refused with the parameter's name, changing nothing. */
MITHRIL_API mithril_status mithril_model_write_parameter(
    mithril_model *model, const char *name, const mithril_tensor *value);

/* Replaces every parameter that the safetensors file `path` holds (any
 * subset of them) with the file's values. The whole file is checked first:
 * a tensor that is no parameter of the instance, or of another dtype or
 * shape, is refused by name and nothing changes. The file is not kept. */
MITHRIL_API mithril_status mithril_model_load_parameters(mithril_model *model,
                                                         const char *path);

/* Writes every parameter to the safetensors file `path` under its
 * state_dict name, what mithril_model_create and PyTorch's
 * safetensors.torch.load_file read. The file is replaced atomically (a
 * temporary file in the same folder, then rename): a failure leaves no
 * partial file, and readers never see one. */
MITHRIL_API mithril_status mithril_model_save_parameters(mithril_model *model,
                                                         const char *path);

/*===----------------------------------------------------------------------===*
 * Training (libraries compiled with --train; docs/training.md)
 *===----------------------------------------------------------------------===*
 *
 * A train step's entry, `train_step`, takes the model's inputs and `target`
 * and returns `loss`; each call updates the instance's parameters, running
 * statistics and optimizer state in place. The optimizer state (moments,
 * momentum buffers, the step count, the learning rate) lives in the
 * instance beside the parameters, starts from its initial values at
 * create, and is not among the parameters listed above; read and write it
 * by name (`optimizer.exp_avg.fc.weight`, `optimizer.step`). */

/* Writes the parameters and running statistics (not the optimizer state)
 * to the safetensors file `path`, as mithril_model_save_parameters. */
MITHRIL_API mithril_status mithril_model_save_weights(mithril_model *model,
                                                      const char *path);

/* Writes everything a train step changes (the parameters, running
 * statistics and optimizer state) to the safetensors file `path`
 * atomically, so that mithril_model_load_checkpoint resumes the training
 * exactly. */
MITHRIL_API mithril_status mithril_model_save_checkpoint(mithril_model *model,
                                                         const char *path);

/* Restores what mithril_model_save_checkpoint wrote; the file must hold
 * every parameter and state of the instance, each of its dtype and shape,
 * or nothing changes. */
MITHRIL_API mithril_status mithril_model_load_checkpoint(mithril_model *model,
                                                         const char *path);

/* Sets the learning rate the next train steps use (a scheduler's job);
 * MITHRIL_NOT_FOUND if the library has no train step. */
MITHRIL_API mithril_status
mithril_model_set_learning_rate(mithril_model *model, double learning_rate);
MITHRIL_API mithril_status
mithril_model_get_learning_rate(mithril_model *model, double *learning_rate);

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
