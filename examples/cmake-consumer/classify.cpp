// Classifies images with tiny_resnet compiled for one image at a time
// (mithril_add_model(resnet1 ... SHARED SHAPES input=1x3x4x4)), from C++:
// the same images and output as classify_c, one call per image, into a
// buffer of our own.
#include "resnet1.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr size_t kImage =
    RESNET1_INPUT_DIM1 * RESNET1_INPUT_DIM2 * RESNET1_INPUT_DIM3;
constexpr size_t kClasses = RESNET1_OUTPUT_DIM1;

/// Throws the status's message, if it is an error.
void check(mithril_status status) {
  if (!status)
    return;
  std::string message = mithril_status_message(status);
  mithril_status_free(status);
  throw std::runtime_error(message);
}

/// An instance with the library's own weights, destroyed with it.
using Model = std::unique_ptr<resnet1_model, decltype(&resnet1_destroy)>;

Model createModel() {
  resnet1_model *model = nullptr;
  check(resnet1_create(nullptr, &model));
  return Model(model, resnet1_destroy);
}

/// The images of `path`, or the two built-in ones of classify_c.
std::vector<float> readImages(const char *path) {
  if (!path) {
    std::vector<float> images(2 * kImage);
    for (size_t i = 0; i < images.size(); ++i)
      images[i] = float((i * 37) % 17) / 17.0f - 0.5f;
    return images;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw std::runtime_error(std::string("cannot open ") + path);
  std::vector<char> bytes{std::istreambuf_iterator<char>(file), {}};
  if (bytes.empty() || bytes.size() % (sizeof(float) * kImage) != 0)
    throw std::runtime_error(std::string(path) +
                             ": expected whole 3x4x4 float32 images");
  std::vector<float> images(bytes.size() / sizeof(float));
  std::copy(bytes.begin(), bytes.end(),
            reinterpret_cast<char *>(images.data()));
  return images;
}

} // namespace

int main(int argc, char **argv) try {
  std::vector<float> images = readImages(argc > 1 ? argv[1] : nullptr);
  Model model = createModel();
  for (size_t i = 0; i < images.size() / kImage; ++i) {
    std::array<float, kClasses> logits;
    mithril_tensor input{
        images.data() + i * kImage,
        MITHRIL_F32,
        4,
        {1, RESNET1_INPUT_DIM1, RESNET1_INPUT_DIM2, RESNET1_INPUT_DIM3}};
    mithril_tensor output{logits.data(), MITHRIL_F32, 2, {1, kClasses}};
    check(resnet1_run(model.get(), &input, &output));
    size_t best =
        std::max_element(logits.begin(), logits.end()) - logits.begin();
    std::printf("image %zu: class %zu, logits", i, best);
    for (float logit : logits)
      std::printf(" %.8g", logit);
    std::printf("\n");
  }
  return 0;
} catch (const std::exception &error) {
  std::fprintf(stderr, "classify_cpp: %s\n", error.what());
  return 1;
}
