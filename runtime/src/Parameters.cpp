//===- Parameters.cpp - An instance's parameters --------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The parameters of an instance, one per state_dict name across all its
// entries: bound at create to the weights (read-only, possibly mmapped or
// embedded), copied into the instance's own memory on first write. Each
// prepared parameter (a parameter viewed with another shape, its dims
// permuted: see Prepared) is made from them at create and remade whenever
// its parameter changes. Reading, writing, loading and saving them.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include "mithril/runtime/Float16.h"
#include "mithril/runtime/Quantize.h"

#include <algorithm>
#include <cstring>

using namespace mithril::runtime;

namespace {

constexpr size_t kNoParameter = ~size_t(0);

/// The index of parameter `name` in the instance, or kNoParameter.
size_t findParameterIndex(const mithril_model &model, std::string_view name) {
  for (size_t i = 0; i < model.parameters.size(); ++i)
    if (model.parameters[i].port->name == name)
      return i;
  return kNoParameter;
}

std::string weightPrefix(const std::string &source, const std::string &name) {
  return "weights '" + source + "': parameter '" + name + "' ";
}

/// Checks that the weights' tensor (null when missing) fits `port`.
mithril_status checkWeight(const TensorInfo *tensor, const Port &port,
                           const std::string &source) {
  if (!tensor)
    return invalidArgument(weightPrefix(source, port.name) + "is missing");
  if (tensor->dtype != port.dtype && tensor->dtype != port.modelDtype)
    return invalidArgument(
        weightPrefix(source, port.name) + "has dtype " +
        std::string(modelDTypeName(tensor->dtype)) + ", expected " +
        std::string(modelDTypeName(port.dtype)) +
        (port.modelDtype
             ? " (or " + std::string(modelDTypeName(*port.modelDtype)) +
                   ", converted)"
             : std::string()));
  if (tensor->shape != port.shape)
    return invalidArgument(
        weightPrefix(source, port.name) + "has shape " +
        formatShape(tensor->shape.data(), tensor->shape.size()) +
        ", expected " + port.describeShape());
  return nullptr;
}

/// Copies the weights' `tensor` (checked against `port`) into `out`,
/// converting it from the port's model dtype to the library's.
void copyWeight(const TensorInfo &tensor, const Port &port, uint8_t *out) {
  if (tensor.dtype == port.dtype)
    std::memcpy(out, tensor.data, tensor.byteSize());
  else
    convertFloats(tensor.dtype, tensor.data, port.dtype, out,
                  size_t(port.numElements()));
}

/// A parameter bound to the weights' `tensor`. Generated code assumes
/// naturally aligned elements: bytes at an unaligned offset are copied, and
/// so are weights in the model's dtype, converted.
mithril_status makeParameter(const Port &port, const TensorInfo &tensor,
                             Parameter &out) {
  out.port = &port;
  out.bytes = size_t(port.numElements()) * dtypeSize(port.dtype);
  out.data = tensor.data;
  if (tensor.dtype == port.dtype &&
      reinterpret_cast<uintptr_t>(out.data) % dtypeSize(port.dtype) == 0)
    return nullptr;
  out.owned = allocateAligned(out.bytes);
  if (!out.owned)
    return makeStatus(MITHRIL_INTERNAL,
                      "cannot allocate parameter '" + port.name + "'");
  copyWeight(tensor, port, out.owned.get());
  out.data = out.owned.get();
  return nullptr;
}

/// The f32 values of the weights' `tensor`, copied when they are not
/// naturally aligned.
const float *alignedFloats(const TensorInfo &tensor, std::vector<float> &copy) {
  if (reinterpret_cast<uintptr_t>(tensor.data) % alignof(float) == 0)
    return reinterpret_cast<const float *>(tensor.data);
  copy.resize(tensor.byteSize() / sizeof(float));
  std::memcpy(copy.data(), tensor.data, tensor.byteSize());
  return copy.data();
}

/// Quantizes the f32 weights' `tensor` (checked against `weight`'s port)
/// into new buffers, `values` for the int8 parameter and `scales` for its
/// scale (docs/precision.md).
mithril_status quantizeWeight(const TensorInfo &tensor, const Port &weight,
                              const Port &scale, const std::string &source,
                              AlignedBuffer &values, AlignedBuffer &scales) {
  values = allocateAligned(size_t(weight.numElements()));
  scales = allocateAligned(size_t(scale.numElements()) * sizeof(float));
  if (!values || !scales)
    return makeStatus(MITHRIL_INTERNAL,
                      "cannot allocate parameter '" + weight.name + "'");
  std::vector<float> copy;
  std::string error = quantizeInt8(alignedFloats(tensor, copy), weight.shape,
                                   *weight.quantizedAxis,
                                   reinterpret_cast<int8_t *>(values.get()),
                                   reinterpret_cast<float *>(scales.get()));
  if (!error.empty())
    return invalidArgument(weightPrefix(source, weight.name) + error);
  return nullptr;
}

/// Checks int8 `values` of the quantized `weight` against their `scales`.
mithril_status checkQuantizedValues(const Port &weight, const void *values,
                                    const void *scales,
                                    const std::string &source) {
  std::vector<float> scaleCopy(weight.shape[size_t(*weight.quantizedAxis)]);
  std::memcpy(scaleCopy.data(), scales, scaleCopy.size() * sizeof(float));
  std::string error =
      checkInt8(static_cast<const int8_t *>(values), scaleCopy.data(),
                weight.shape, *weight.quantizedAxis);
  if (!error.empty())
    return invalidArgument(weightPrefix(source, weight.name) + error);
  return nullptr;
}

/// The quantized parameter `port` and its scale `scalePort`, bound to the
/// weights: int8 values with their scales (checked), or f32 values
/// quantized here, which the instance then owns.
mithril_status bindQuantized(const mithril_model &model, const Port &port,
                             const Port &scalePort, const std::string &source,
                             Parameter &weight, Parameter &scale) {
  const TensorInfo *tensor =
      model.weights ? model.weights->find(port.name) : nullptr;
  if (mithril_status status = checkWeight(tensor, port, source))
    return status;
  if (tensor->dtype == port.dtype) {
    if (mithril_status status = makeParameter(port, *tensor, weight))
      return status;
    const TensorInfo *scales = model.weights->find(scalePort.name);
    if (mithril_status status = checkWeight(scales, scalePort, source))
      return status;
    if (mithril_status status = makeParameter(scalePort, *scales, scale))
      return status;
    return checkQuantizedValues(port, weight.data, scale.data, source);
  }
  weight.port = &port;
  weight.bytes = size_t(port.numElements());
  scale.port = &scalePort;
  scale.bytes = size_t(scalePort.numElements()) * sizeof(float);
  if (mithril_status status = quantizeWeight(*tensor, port, scalePort, source,
                                             weight.owned, scale.owned))
    return status;
  weight.data = weight.owned.get();
  scale.data = scale.owned.get();
  return nullptr;
}

/// Checks that a later entry's port of an already bound name agrees with
/// the first one.
mithril_status checkSharedParameter(const Parameter &parameter,
                                    const Port &port, const Entry &entry) {
  if (port.dtype == parameter.port->dtype &&
      port.shape == parameter.port->shape)
    return nullptr;
  return invalidArgument("entry '" + entry.name + "' has parameter '" +
                         port.name + "' as " +
                         std::string(modelDTypeName(port.dtype)) + " " +
                         port.describeShape() + ", another entry as " +
                         std::string(modelDTypeName(parameter.port->dtype)) +
                         " " + parameter.port->describeShape());
}

/// Fills the buffer of `copy` from the current values of `parameter`: the
/// elements viewed with the prepared shape, its dims permuted, copied in
/// row-major order.
void fillPrepared(const Parameter &parameter, PreparedCopy &copy) {
  const Prepared &spec = *copy.spec;
  size_t rank = spec.shape.size();
  Descriptor shaped =
      Descriptor::contiguous(parameter.data, spec.shape.data(), rank);
  Descriptor permuted = shaped;
  for (size_t i = 0; i < rank; ++i) {
    permuted.words[3 + i] = shaped.words[3 + spec.permutation[i]];
    permuted.words[3 + rank + i] = shaped.words[3 + rank + spec.permutation[i]];
  }
  copyStrided(ResultView{permuted.words.data(), rank},
              dtypeSize(parameter.port->dtype), copy.buffer.get());
}

/// The index of the prepared copy of parameter `index` made as `spec`,
/// made now if no entry before asked for the same.
mithril_status findOrMakePrepared(mithril_model &model, size_t index,
                                  const Prepared &spec, size_t &out) {
  for (size_t i = 0; i < model.prepared.size(); ++i) {
    const PreparedCopy &copy = model.prepared[i];
    if (copy.parameter == index && copy.spec->shape == spec.shape &&
        copy.spec->permutation == spec.permutation) {
      out = i;
      return nullptr;
    }
  }
  const Parameter &parameter = model.parameters[index];
  PreparedCopy copy;
  copy.parameter = index;
  copy.spec = &spec;
  for (int64_t dim : spec.permutation)
    copy.shape.push_back(spec.shape[size_t(dim)]);
  copy.buffer = allocateAligned(parameter.bytes);
  if (!copy.buffer)
    return makeStatus(MITHRIL_INTERNAL,
                      "cannot allocate the prepared '" + spec.parameter + "'");
  fillPrepared(parameter, copy);
  out = model.prepared.size();
  model.prepared.push_back(std::move(copy));
  return nullptr;
}

/// Makes the descriptors of every entry's parameters and prepared
/// parameters.
void describeArguments(mithril_model &model) {
  for (EntryArguments &arguments : model.arguments) {
    arguments.descriptors.clear();
    for (size_t index : arguments.parameters) {
      const Parameter &parameter = model.parameters[index];
      const std::vector<int64_t> &shape = parameter.port->shape;
      arguments.descriptors.push_back(
          Descriptor::contiguous(parameter.data, shape.data(), shape.size()));
    }
    for (size_t index : arguments.prepared) {
      const PreparedCopy &copy = model.prepared[index];
      arguments.descriptors.push_back(Descriptor::contiguous(
          copy.buffer.get(), copy.shape.data(), copy.shape.size()));
    }
  }
}

/// Points the descriptors of parameter `index` at its current values and
/// remakes its prepared copies.
void parameterChanged(mithril_model &model, size_t index) {
  const Parameter &parameter = model.parameters[index];
  for (EntryArguments &arguments : model.arguments)
    for (size_t i = 0; i < arguments.parameters.size(); ++i)
      if (arguments.parameters[i] == index)
        arguments.descriptors[i].assign(parameter.data,
                                        parameter.port->shape.data());
  for (PreparedCopy &copy : model.prepared)
    if (copy.parameter == index)
      fillPrepared(parameter, copy);
}

//===----------------------------------------------------------------------===//
// Checks of the parameter API
//===----------------------------------------------------------------------===//

mithril_status busyStatus(const std::string &what) {
  return makeStatus(MITHRIL_FAILED_PRECONDITION,
                    "cannot " + what +
                        " while the instance is running a call (one call at "
                        "a time per instance)");
}

mithril_status findParameter(const mithril_model &model, const char *name,
                             size_t &index) {
  index = findParameterIndex(model, name);
  if (index != kNoParameter)
    return nullptr;
  return makeStatus(MITHRIL_NOT_FOUND,
                    std::string("the model has no parameter '") + name + "'");
}

/// Checks a caller's tensor (`role`: "value" or "output") against the
/// parameter it holds: device, dtype, shape, and data when not empty.
mithril_status checkTensorFor(const Parameter &parameter, const char *role,
                              const mithril_tensor &tensor) {
  const Port &port = *parameter.port;
  std::string prefix = "parameter '" + port.name + "': the " + role + " ";
  if (tensor.device != MITHRIL_DEVICE_CPU)
    return invalidArgument(prefix + "is on " +
                           describeDevice(tensor.device, tensor.device_index) +
                           "; this library runs on the CPU");
  if (tensor.dtype != int32_t(port.dtype))
    return invalidArgument(prefix + "has dtype " +
                           mithril_dtype_name(tensor.dtype) + ", expected " +
                           std::string(modelDTypeName(port.dtype)));
  if (tensor.rank < 0 || tensor.rank > MITHRIL_MAX_RANK)
    return invalidArgument(prefix + "has rank " + std::to_string(tensor.rank) +
                           ", expected " + std::to_string(port.shape.size()));
  std::vector<int64_t> shape(tensor.shape, tensor.shape + tensor.rank);
  if (shape != port.shape)
    return invalidArgument(prefix + "has shape " +
                           formatShape(shape.data(), shape.size()) +
                           ", expected " + port.describeShape());
  if (parameter.bytes && !tensor.data)
    return invalidArgument(prefix + "has no data");
  return nullptr;
}

/// Makes the instance own the values of `parameter` (with `buffer`, or a
/// new one when it is null), if it does not yet.
mithril_status ownParameter(Parameter &parameter, AlignedBuffer buffer) {
  if (parameter.owned)
    return nullptr;
  if (!buffer)
    buffer = allocateAligned(parameter.bytes);
  if (!buffer)
    return makeStatus(MITHRIL_INTERNAL, "cannot allocate parameter '" +
                                            parameter.port->name + "'");
  parameter.owned = std::move(buffer);
  parameter.data = parameter.owned.get();
  return nullptr;
}

/// A parameter bound to the weights' tensor of its name.
mithril_status bindWeight(const mithril_model &model, const Port &port,
                          const std::string &source, Parameter &out) {
  const TensorInfo *tensor =
      model.weights ? model.weights->find(port.name) : nullptr;
  if (mithril_status status = checkWeight(tensor, port, source))
    return status;
  return makeParameter(port, *tensor, out);
}

/// Fills `count` elements of `dtype` at `data` with `value`.
void fillWith(void *data, DType dtype, size_t count, double value) {
  auto fill = [&](auto typed) {
    using T = decltype(typed);
    std::fill_n(static_cast<T *>(data), count, static_cast<T>(value));
  };
  switch (dtype) {
  case DType::F64:
    return fill(double());
  case DType::I64:
    return fill(int64_t());
  case DType::I32:
    return fill(int32_t());
  default:
    return fill(float());
  }
}

/// A train step's state, owned by the instance, every element at the
/// port's initial value.
mithril_status makeState(const Port &port, Parameter &out) {
  if (port.numElements() < 0 ||
      (port.dtype != DType::F32 && port.dtype != DType::F64 &&
       port.dtype != DType::I64 && port.dtype != DType::I32))
    return invalidArgument("state '" + port.name +
                           "' has no fixed shape or an unsupported dtype");
  out.port = &port;
  out.bytes = size_t(port.numElements()) * dtypeSize(port.dtype);
  out.owned = allocateAligned(out.bytes);
  if (!out.owned)
    return makeStatus(MITHRIL_INTERNAL,
                      "cannot allocate state '" + port.name + "'");
  out.data = out.owned.get();
  fillWith(out.owned.get(), port.dtype, size_t(port.numElements()),
           *port.initialValue);
  return nullptr;
}

/// Makes the instance own a copy of `parameter`'s current values.
mithril_status ownCopy(Parameter &parameter) {
  if (parameter.owned)
    return nullptr;
  const uint8_t *values = parameter.data;
  if (mithril_status status = ownParameter(parameter, nullptr))
    return status;
  if (parameter.bytes)
    std::memcpy(parameter.owned.get(), values, parameter.bytes);
  return nullptr;
}

/// The file's tensors, checked against the instance's parameters; the
/// index of each tensor's parameter in `indices`.
mithril_status matchFile(const mithril_model &model,
                         const SafetensorsFile &file, const std::string &path,
                         std::vector<size_t> &indices) {
  for (const TensorInfo &tensor : file.tensors()) {
    size_t index = findParameterIndex(model, tensor.name);
    if (index == kNoParameter)
      return invalidArgument("weights '" + path + "': tensor '" + tensor.name +
                             "' is no parameter of the model");
    const Port &port = *model.parameters[index].port;
    if (mithril_status status = checkWeight(&tensor, port, path))
      return status;
    // An int8 weight comes with its scale; an f32 one is quantized, which
    // makes its scale.
    const Port *scaled =
        port.scaleOf.empty()
            ? nullptr
            : model.parameters[findParameterIndex(model, port.scaleOf)].port;
    bool int8 = port.quantizedAxis && tensor.dtype == port.dtype;
    if ((int8 && !file.find(port.name + ".scale")) ||
        (scaled && (!file.find(scaled->name) ||
                    file.find(scaled->name)->dtype != scaled->dtype)))
      return invalidArgument(
          "weights '" + path + "': tensor '" + tensor.name +
          "' is a part of an int8 weight and its scale that comes without "
          "the other (an f32 weight is quantized, which makes its scale)");
    indices.push_back(index);
  }
  return nullptr;
}

/// A parameter's value from a file, made before any parameter changes.
struct NewValue {
  size_t index;
  AlignedBuffer buffer;
};

/// Appends to `values` the new value of parameter `index` from the file's
/// `tensor` (matched by matchFile): converted to the parameter's dtype, or
/// quantized with its scale, or checked against its scale.
mithril_status makeNewValues(const mithril_model &model,
                             const SafetensorsFile &file,
                             const std::string &path, const TensorInfo &tensor,
                             size_t index, std::vector<NewValue> &values) {
  const Port &port = *model.parameters[index].port;
  if (port.quantizedAxis && tensor.dtype != port.dtype) {
    size_t scale = findParameterIndex(model, port.name + ".scale");
    NewValue weight{index, nullptr}, scales{scale, nullptr};
    if (mithril_status status =
            quantizeWeight(tensor, port, *model.parameters[scale].port, path,
                           weight.buffer, scales.buffer))
      return status;
    values.push_back(std::move(weight));
    values.push_back(std::move(scales));
    return nullptr;
  }
  if (port.quantizedAxis)
    if (mithril_status status = checkQuantizedValues(
            port, tensor.data, file.find(port.name + ".scale")->data, path))
      return status;
  const Parameter &parameter = model.parameters[index];
  NewValue value{index, allocateAligned(parameter.bytes)};
  if (!value.buffer)
    return makeStatus(MITHRIL_INTERNAL,
                      "cannot allocate parameter '" + port.name + "'");
  if (parameter.bytes)
    copyWeight(tensor, port, value.buffer.get());
  values.push_back(std::move(value));
  return nullptr;
}

} // namespace

namespace mithril::runtime {

mithril_status bindParameters(mithril_model &model, const std::string &source) {
  const Signature &signature = model.library->signature;
  // The model's parameters from the weights, then the state of a train
  // step from its initial values.
  for (bool state : {false, true}) {
    for (const Entry &entry : signature.entries) {
      for (const Port &port : entry.parameters) {
        if (port.initialValue.has_value() != state)
          continue;
        size_t index = findParameterIndex(model, port.name);
        if (index != kNoParameter) {
          if (mithril_status status =
                  checkSharedParameter(model.parameters[index], port, entry))
            return status;
          continue;
        }
        // A scale is bound with the parameter it scales.
        if (!port.scaleOf.empty())
          continue;
        if (port.quantizedAxis) {
          Parameter weight, scale;
          if (mithril_status status = bindQuantized(
                  model, port, *entry.findParameter(port.name + ".scale"),
                  source, weight, scale))
            return status;
          model.parameters.push_back(std::move(weight));
          model.parameters.push_back(std::move(scale));
          continue;
        }
        Parameter parameter;
        if (mithril_status status =
                state ? makeState(port, parameter)
                      : bindWeight(model, port, source, parameter))
          return status;
        model.parameters.push_back(std::move(parameter));
      }
    }
    if (!state)
      model.numModelParameters = model.parameters.size();
  }
  model.arguments.resize(signature.entries.size());
  for (size_t e = 0; e < signature.entries.size(); ++e) {
    const Entry &entry = signature.entries[e];
    EntryArguments &arguments = model.arguments[e];
    for (const Port &port : entry.parameters)
      arguments.parameters.push_back(findParameterIndex(model, port.name));
    // What a train step updates, the instance owns from the start.
    for (const std::string &name : entry.updates) {
      size_t index = findParameterIndex(model, name);
      if (mithril_status status = ownCopy(model.parameters[index]))
        return status;
      arguments.updates.push_back(index);
    }
  }
  return nullptr;
}

void storeUpdates(mithril_model &model, size_t entryIndex) {
  const CallFrame &frame = model.frames[entryIndex];
  const EntryArguments &arguments = model.arguments[entryIndex];
  for (size_t i = 0; i < frame.updates.size(); ++i) {
    const ResultView &view = frame.updates[i];
    Parameter &parameter = model.parameters[arguments.updates[i]];
    size_t elementSize = dtypeSize(parameter.port->dtype);
    // Written in place already when the view is the parameter itself.
    if (view.aligned() + view.offset() * elementSize != parameter.data ||
        !view.isContiguous())
      copyStrided(view, elementSize, parameter.owned.get());
  }
  model.preparedStale |= arguments.updatesPrepared;
}

void refreshPrepared(mithril_model &model, size_t entryIndex) {
  // Remade when an entry reads them (not at each train step).
  if (!model.preparedStale || model.arguments[entryIndex].prepared.empty())
    return;
  for (PreparedCopy &copy : model.prepared)
    fillPrepared(model.parameters[copy.parameter], copy);
  model.preparedStale = false;
}

mithril_status prepareParameters(mithril_model &model) {
  const Signature &signature = model.library->signature;
  for (size_t e = 0; e < signature.entries.size(); ++e) {
    for (const Prepared &spec : signature.entries[e].prepared) {
      // The signature names a parameter of the entry: it is bound.
      size_t index = findParameterIndex(model, spec.parameter);
      size_t copy = 0;
      if (mithril_status status = findOrMakePrepared(model, index, spec, copy))
        return status;
      model.arguments[e].prepared.push_back(copy);
    }
  }
  for (EntryArguments &arguments : model.arguments)
    for (const PreparedCopy &copy : model.prepared)
      arguments.updatesPrepared |=
          std::find(arguments.updates.begin(), arguments.updates.end(),
                    copy.parameter) != arguments.updates.end();
  describeArguments(model);
  return nullptr;
}

} // namespace mithril::runtime

size_t mithril_model_num_parameters(const mithril_model *model) {
  return model ? model->numModelParameters : 0;
}

mithril_status mithril_model_parameter(const mithril_model *model, size_t index,
                                       mithril_port *out) {
  if (!model || !out)
    return invalidArgument("mithril_model_parameter: null argument");
  if (index >= model->numModelParameters)
    return makeStatus(MITHRIL_NOT_FOUND,
                      "no parameter #" + std::to_string(index) +
                          " (the model has " +
                          std::to_string(model->numModelParameters) + ")");
  describePort(*model->parameters[index].port, *out);
  return nullptr;
}

mithril_status mithril_model_read_parameter(mithril_model *model,
                                            const char *name,
                                            mithril_tensor *out) {
  if (!model || !name || !out)
    return invalidArgument("mithril_model_read_parameter: null argument");
  BusyScope busy(model->busy);
  if (!busy.acquired())
    return busyStatus(std::string("read parameter '") + name + "'");
  size_t index = 0;
  if (mithril_status status = findParameter(*model, name, index))
    return status;
  const Parameter &parameter = model->parameters[index];
  if (out->data) {
    if (mithril_status status = checkTensorFor(parameter, "output", *out))
      return status;
    if (parameter.bytes)
      std::memcpy(out->data, parameter.data, parameter.bytes);
    return nullptr;
  }
  void *copy = std::malloc(parameter.bytes ? parameter.bytes : 1);
  if (!copy)
    return makeStatus(MITHRIL_INTERNAL, std::string("cannot allocate a copy "
                                                    "of parameter '") +
                                            name + "'");
  if (parameter.bytes)
    std::memcpy(copy, parameter.data, parameter.bytes);
  const Port &port = *parameter.port;
  out->data = out->allocation = copy;
  out->dtype = int32_t(port.dtype);
  out->rank = int32_t(port.shape.size());
  std::copy(port.shape.begin(), port.shape.end(), out->shape);
  out->device = MITHRIL_DEVICE_CPU;
  out->device_index = 0;
  return nullptr;
}

mithril_status mithril_model_write_parameter(mithril_model *model,
                                             const char *name,
                                             const mithril_tensor *value) {
  if (!model || !name || !value)
    return invalidArgument("mithril_model_write_parameter: null argument");
  BusyScope busy(model->busy);
  if (!busy.acquired())
    return busyStatus(std::string("write parameter '") + name + "'");
  size_t index = 0;
  if (mithril_status status = findParameter(*model, name, index))
    return status;
  Parameter &parameter = model->parameters[index];
  if (mithril_status status = checkTensorFor(parameter, "value", *value))
    return status;
  if (mithril_status status = ownParameter(parameter, nullptr))
    return status;
  if (parameter.bytes)
    std::memmove(parameter.owned.get(), value->data, parameter.bytes);
  parameterChanged(*model, index);
  return nullptr;
}

mithril_status mithril_model_load_parameters(mithril_model *model,
                                             const char *path) {
  if (!model || !path)
    return invalidArgument("mithril_model_load_parameters: null argument");
  BusyScope busy(model->busy);
  if (!busy.acquired())
    return busyStatus("load parameters");
  std::string error;
  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  if (!file)
    return makeStatus(MITHRIL_IO_ERROR, std::string("cannot read weights '") +
                                            path + "': " + error);
  std::vector<size_t> indices;
  if (mithril_status status = matchFile(*model, *file, path, indices))
    return status;
  // Every new value is made (converted, quantized, checked) before any
  // parameter changes.
  std::vector<NewValue> values;
  for (size_t i = 0; i < indices.size(); ++i)
    if (mithril_status status = makeNewValues(
            *model, *file, path, file->tensors()[i], indices[i], values))
      return status;
  for (NewValue &value : values) {
    Parameter &parameter = model->parameters[value.index];
    parameter.owned = std::move(value.buffer);
    parameter.data = parameter.owned.get();
    parameterChanged(*model, value.index);
  }
  return nullptr;
}

namespace {

/// Writes the first `count` parameters of `model` to `path`, atomically.
mithril_status saveParameters(mithril_model *model, const char *path,
                              size_t count, const char *function,
                              const char *what) {
  if (!model || !path)
    return invalidArgument(std::string(function) + ": null argument");
  BusyScope busy(model->busy);
  if (!busy.acquired())
    return busyStatus(std::string("save ") + what);
  std::vector<TensorToWrite> tensors;
  for (size_t i = 0; i < count; ++i) {
    const Parameter &parameter = model->parameters[i];
    const Port &port = *parameter.port;
    tensors.push_back(
        {port.name, port.dtype, port.shape, parameter.data, parameter.bytes});
  }
  std::string error;
  if (!writeSafetensors(path, tensors, {{"format", "pt"}}, error))
    return makeStatus(MITHRIL_IO_ERROR, std::string("cannot write ") + what +
                                            " '" + path + "': " + error);
  return nullptr;
}

constexpr const char *kLearningRateName = "optimizer.lr";

} // namespace

mithril_status mithril_model_save_parameters(mithril_model *model,
                                             const char *path) {
  return saveParameters(model, path, model ? model->numModelParameters : 0,
                        "mithril_model_save_parameters", "weights");
}

mithril_status mithril_model_save_weights(mithril_model *model,
                                          const char *path) {
  return saveParameters(model, path, model ? model->numModelParameters : 0,
                        "mithril_model_save_weights", "weights");
}

mithril_status mithril_model_save_checkpoint(mithril_model *model,
                                             const char *path) {
  return saveParameters(model, path, model ? model->parameters.size() : 0,
                        "mithril_model_save_checkpoint", "checkpoint");
}

mithril_status mithril_model_load_checkpoint(mithril_model *model,
                                             const char *path) {
  if (!model || !path)
    return invalidArgument("mithril_model_load_checkpoint: null argument");
  {
    // A checkpoint restores everything: a file missing a parameter or a
    // state would resume from a mix of two trainings.
    std::string error;
    std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
    if (!file)
      return makeStatus(MITHRIL_IO_ERROR,
                        std::string("cannot read checkpoint '") + path +
                            "': " + error);
    for (const Parameter &parameter : model->parameters)
      if (!file->find(parameter.port->name))
        return invalidArgument(std::string("checkpoint '") + path +
                               "' lacks '" + parameter.port->name + "'");
  }
  return mithril_model_load_parameters(model, path);
}

namespace {

/// A CPU f32 scalar at `value`.
mithril_tensor scalarTensor(float *value) {
  mithril_tensor tensor{};
  tensor.data = value;
  tensor.dtype = MITHRIL_F32;
  tensor.device = MITHRIL_DEVICE_CPU;
  return tensor;
}

/// `status`, said of the learning rate: a library without a train step
/// has none.
mithril_status learningRateStatus(mithril_status status) {
  if (!status || mithril_status_get_code(status) != MITHRIL_NOT_FOUND)
    return status;
  mithril_status_free(status);
  return makeStatus(MITHRIL_NOT_FOUND, "the library has no train step "
                                       "(compile it with --train), so no "
                                       "learning rate");
}

} // namespace

mithril_status mithril_model_set_learning_rate(mithril_model *model,
                                               double learning_rate) {
  if (!model)
    return invalidArgument("mithril_model_set_learning_rate: null model");
  if (!(learning_rate >= 0))
    return invalidArgument("invalid learning rate " +
                           std::to_string(learning_rate));
  float value = float(learning_rate);
  mithril_tensor tensor = scalarTensor(&value);
  return learningRateStatus(
      mithril_model_write_parameter(model, kLearningRateName, &tensor));
}

mithril_status mithril_model_get_learning_rate(mithril_model *model,
                                               double *learning_rate) {
  if (!model || !learning_rate)
    return invalidArgument("mithril_model_get_learning_rate: null argument");
  float value = 0;
  mithril_tensor tensor = scalarTensor(&value);
  mithril_status status = learningRateStatus(
      mithril_model_read_parameter(model, kLearningRateName, &tensor));
  if (!status)
    *learning_rate = value;
  return status;
}
