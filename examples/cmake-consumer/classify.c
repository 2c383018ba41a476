/* Classifies images with tiny_resnet, linked in statically through
 * mithril_add_model(tiny_resnet ...). The images are 3x4x4 float32 values,
 * read from a raw file (as many images as it holds) or, without one, two
 * built-in images. Prints, per image, its class and its ten logits. */
#include "tiny_resnet.h"

#include <stdio.h>
#include <stdlib.h>

enum {
  IMAGE =
      TINY_RESNET_INPUT_DIM1 * TINY_RESNET_INPUT_DIM2 * TINY_RESNET_INPUT_DIM3,
  CLASSES = TINY_RESNET_OUTPUT_DIM1
};

static int failed(mithril_status status) {
  if (!status)
    return 0;
  fprintf(stderr, "classify_c: %s\n", mithril_status_message(status));
  mithril_status_free(status);
  return 1;
}

/* The images of `path`, or the built-in ones; NULL on an error. */
static float *read_images(const char *path, long *count) {
  if (!path) {
    *count = 2;
    float *images = malloc(sizeof(float) * 2 * IMAGE);
    for (int i = 0; images && i < 2 * IMAGE; ++i)
      images[i] = (float)((i * 37) % 17) / 17.0f - 0.5f;
    return images;
  }
  FILE *file = fopen(path, "rb");
  if (!file) {
    perror(path);
    return NULL;
  }
  float *images = NULL;
  long bytes = fseek(file, 0, SEEK_END) == 0 ? ftell(file) : -1;
  if (bytes <= 0 || bytes % (long)(sizeof(float) * IMAGE) != 0) {
    fprintf(stderr, "classify_c: %s: expected whole 3x4x4 float32 images\n",
            path);
  } else {
    *count = bytes / (long)(sizeof(float) * IMAGE);
    images = malloc((size_t)bytes);
    rewind(file);
    if (images && fread(images, 1, (size_t)bytes, file) != (size_t)bytes) {
      fprintf(stderr, "classify_c: cannot read %s\n", path);
      free(images);
      images = NULL;
    }
  }
  fclose(file);
  return images;
}

int main(int argc, char **argv) {
  long count = 0;
  float *images = read_images(argc > 1 ? argv[1] : NULL, &count);
  if (!images)
    return 1;

  tiny_resnet_model *model = NULL;
  if (failed(tiny_resnet_create(NULL, &model))) {
    free(images);
    return 1;
  }
  /* All images in one call: the batch dim N is dynamic. */
  mithril_tensor input = {.data = images,
                          .dtype = MITHRIL_F32,
                          .rank = 4,
                          .shape = {count, TINY_RESNET_INPUT_DIM1,
                                    TINY_RESNET_INPUT_DIM2,
                                    TINY_RESNET_INPUT_DIM3}};
  mithril_tensor logits = {0}; /* allocated by the library */
  int status = failed(tiny_resnet_run(model, &input, &logits));
  for (long i = 0; !status && i < count; ++i) {
    const float *row = (const float *)logits.data + i * CLASSES;
    int best = 0;
    for (int k = 1; k < CLASSES; ++k)
      if (row[k] > row[best])
        best = k;
    printf("image %ld: class %d, logits", i, best);
    for (int k = 0; k < CLASSES; ++k)
      printf(" %.8g", row[k]);
    printf("\n");
  }
  mithril_tensor_free(&logits);
  tiny_resnet_destroy(model);
  free(images);
  return status;
}
