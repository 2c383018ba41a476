//===- Status.cpp - Statuses of the C API ---------------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A mithril_status is NULL on success, otherwise an object with a code and a
// message that the caller frees. Also the device checks every file shares,
// which fail with such a status.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

struct mithril_status_t {
  mithril_status_code code;
  std::string message;
};

namespace mithril::runtime {

mithril_status makeStatus(mithril_status_code code, std::string message) {
  return new mithril_status_t{code, std::move(message)};
}

mithril_status invalidArgument(std::string message) {
  return makeStatus(MITHRIL_INVALID_ARGUMENT, std::move(message));
}

std::string describeDevice(int32_t type, int32_t index) {
  switch (type) {
  case MITHRIL_DEVICE_CPU:
    return "cpu";
  case MITHRIL_DEVICE_CUDA:
    return "cuda:" + std::to_string(index);
  default:
    return "device type " + std::to_string(type);
  }
}

mithril_status checkOnCPU(const char *kind, const std::string &name,
                          const mithril_tensor &tensor) {
  if (tensor.device == MITHRIL_DEVICE_CPU)
    return nullptr;
  return invalidArgument(std::string(kind) + " '" + name + "' is on " +
                         describeDevice(tensor.device, tensor.device_index) +
                         "; this library runs on the CPU");
}

} // namespace mithril::runtime

mithril_status_code mithril_status_get_code(mithril_status status) {
  return status ? status->code : MITHRIL_OK;
}

const char *mithril_status_message(mithril_status status) {
  return status ? status->message.c_str() : "";
}

void mithril_status_free(mithril_status status) { delete status; }
