// The table of commands and their help texts.
#include "cli.hpp"

namespace strata::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      {"summary", "print a model's summary (layers, output shapes, parameters)",
       "usage: strata summary FILE\n"
       "\n"
       "Loads the model saved in FILE (model.save: .h5 or .keras) and prints Keras's summary table;\n"
       "for a function file (strata export, st::save_function), the listing of its graph.\n",
       run_summary, {}, {}},
      {"predict", "run a saved model on NumPy arrays (.npy in, .npy out)",
       "usage: strata predict FILE --input X.npy [--input2 X2.npy ...] --output Y.npy [--output2 Y2.npy ...]\n"
       "                      [--batch-size N]\n"
       "\n"
       "Loads the model saved in FILE and writes its predictions for the arrays given (the first axis\n"
       "is the batch). FILE may also be a function file (strata export, st::save_function): it runs\n"
       "in batches of the size it was traced for, whatever --batch-size says. A model with several inputs takes them in its input order as --input,\n"
       "--input2, --input3, ...; one with several outputs writes them to --output, --output2, ...\n"
       "float64 inputs are cast to float32.\n"
       "A TensorFlow Lite file (FILE ending in .tflite) runs in st::lite::Interpreter: all samples at once\n"
       "when its batch axis is open, else batch by batch; int8 inputs are quantized from the real values\n"
       "given, and int8 outputs are written dequantized (float32).\n"
       "\n"
       "  --batch-size N   samples per batch (default 32)\n",
       run_predict,
       {"--input", "--input2", "--input3", "--input4", "--input5", "--input6", "--input7", "--input8", "--output",
        "--output2", "--output3", "--output4", "--output5", "--output6", "--output7", "--output8", "--batch-size"},
       {}},
      {"convert", "convert a model file between .h5, .keras, weights-only, JSON and TF Lite formats",
       "usage: strata convert IN OUT [--config MODEL.json] [--weights-only] [--keras2]\n"
       "       strata convert IN OUT.tflite [--quantize dynamic|int8|float16] [--representative X.npy] [--int8-io]\n"
       "\n"
       "Loads IN and saves it as OUT; the format of OUT follows its name:\n"
       "  *.weights.h5   weights and optimizer state only (Keras 3 layout)\n"
       "  *.keras        the whole model (Keras 3 zip, where supported)\n"
       "  *.h5           the whole model (legacy Keras HDF5), or with --weights-only the legacy\n"
       "                 weights-only layout\n"
       "  *.json         the architecture only (Keras's model.to_json())\n"
       "  *.tflite       a TensorFlow Lite flatbuffer (see --quantize)\n"
       "IN is a whole model, or weights only with --config naming the architecture (Keras's\n"
       "model.to_json() output).\n"
       "\n"
       "  --config FILE    the architecture as JSON, for a weights-only IN\n"
       "  --weights-only   write only the weights to an OUT that does not end in .weights.h5\n"
       "  --keras2         write a .h5 or .json in tf.keras 2 form (keras_version 2.15.0:\n"
       "                   batch_input_shape, Keras 2 nodes and class names, tf.keras 2 weight\n"
       "                   names) for readers of Keras 2 files only, such as TensorFlow.js\n"
       "  --quantize MODE  .tflite: TFLite post-training quantization: dynamic (int8 weights),\n"
       "                   int8 (full integer, needs --representative) or float16 (weights)\n"
       "  --representative X.npy  samples shaped as the model's input, to calibrate int8\n"
       "  --int8-io        int8 input and output tensors (default: float32, quantized inside)\n",
       run_convert, {"--config", "--quantize", "--representative"}, {"--weights-only", "--keras2", "--int8-io"}},
      {"export", "save a model's inference as a function file that runs without the model's code",
       "usage: strata export IN OUT [--batch-size N]\n"
       "\n"
       "Loads the model IN (.h5 or .keras), traces its inference pass (training=false) for batches\n"
       "of N samples, and saves the optimized graph with the weights in it to OUT (a Strata function\n"
       "file, conventionally .stfn; st::load_function reads it). `strata predict OUT` runs it.\n"
       "\n"
       "  --batch-size N   samples per batch the function is traced for (default 32)\n",
       run_export, {"--batch-size"}, {}},
      {"inspect", "list the weights of a model file with their shapes and dtypes",
       "usage: strata inspect FILE\n"
       "\n"
       "Lists every weight stored in FILE (an HDF5 model or weights file: each dataset's path,\n"
       "shape and dtype; a .keras file: the weights of the model it holds), then the total number\n"
       "of values. Works on files whose layers Strata cannot build.\n",
       run_inspect, {}, {}},
      {"board", "the scalars of a TensorBoard log directory: a table, or an HTML report",
       "usage: strata board LOGDIR [--html REPORT.html]\n"
       "\n"
       "Reads every event file under LOGDIR (callbacks::TensorBoard's log_dir, st::summary's\n"
       "writers; each folder is a run, e.g. train and validation) and prints, for each run and tag,\n"
       "the last value and the best one (the lowest, the highest for accuracy-like tags) with their\n"
       "steps. NaN and infinite values print as NaN / Infinity and are never the best.\n"
       "\n"
       "  --html FILE   write one self-contained HTML page instead (no network, nothing outside it):\n"
       "                a chart per tag with every run's curve, step / relative / wall-time axes\n"
       "                and TensorBoard's smoothing slider\n",
       run_board, {"--html"}, {}},
  };
  return table;
}

}  // namespace strata::cli
