#!/usr/bin/python3
"""Runs the .tflite files Strata's converter wrote through Arm NN (TfLiteParser + CpuRef backend)
and compares them with Strata's own results.

    armnn_check.py DIR [--fixtures SHARED/fixtures/tflite]

DIR holds manifest.json (written by the strata_tests case "armnn export"): per file the model, the
mode (float32 / float16 / int8 / int8_per_tensor: the int8 file with its per-channel weights
requantized per tensor, which Arm NN 20.08 can take), the input .npy, Strata's predict output and Strata's interpreter
output, and for int8 the scale of the int8 tensor in front of the final DEQUANTIZE.

Rules:
  float32 / float16: Arm NN within 1e-5 relative of Strata's predict (absolute where |y| < 1)
    (float16 files: against Strata's interpreter on the same file, whose float16 weights differ
    from the float model's).
  int8: Arm NN within one output quantization step (scale) of Strata's interpreter (up to 3 with
    a NOTE: Arm NN requantizes through float; on hello_world it is 3 steps off TFLite), and both
    within the quantization error of the float model: 8 steps of the output scale, plus 2% of the
    float output's range (the error the int8 weights and activations add up through the layers).
A file Arm NN refuses (an op its parser lacks) is reported by the operator Arm NN names; those
ops are checked against TFLite's reference formulas in tests/lite/test_armnn_gaps.cpp instead.
Exit status: 0 all compared files agree, 1 a mismatch, 77 pyarmnn is not importable (ctest SKIP).
"""
import json
import os
import re
import subprocess
import sys

try:
    import numpy as np
    import pyarmnn as ann
except Exception as error:  # ImportError, or a pyarmnn without its shared libraries
    print(f"SKIP: pyarmnn is not importable ({error}); install python3-pyarmnn, "
          "libarmnntfliteparser22 and libarmnn-cpuref-backend22")
    sys.exit(77)

# Ops Arm NN 20.08's TfLiteParser is known to lack for the files the converter writes; a refusal
# for any other reason is a failure.
KNOWN_GAPS = {"UNIDIRECTIONAL_SEQUENCE_LSTM", "REDUCE_MAX", "GATHER", "CAST", "per-channel int8 weights (aborts)",
              "TRANSPOSE_CONV with a bias (4 inputs)", "float16 weights through DEQUANTIZE (non-constant weights)"}


class ArmNN:
    def __init__(self):
        self.runtime = ann.IRuntime(ann.CreationOptions())

    def load(self, path):
        parser = ann.ITfLiteParser()
        network = parser.CreateNetworkFromBinaryFile(path)
        inputs = [parser.GetNetworkInputBindingInfo(0, n) for n in parser.GetSubgraphInputTensorNames(0)]
        outputs = [parser.GetNetworkOutputBindingInfo(0, n) for n in parser.GetSubgraphOutputTensorNames(0)]
        optimized, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], self.runtime.GetDeviceSpec(),
                                    ann.OptimizerOptions())
        net_id, _ = self.runtime.LoadNetwork(optimized)
        return net_id, inputs, outputs

    def run(self, loaded, x):
        """x: a batch; Arm NN's parser fixes the batch at the file's shape (1), so one row at a time."""
        net_id, inputs, outputs = loaded
        rows = []
        for row in x:
            in_tensors = ann.make_input_tensors(inputs, [np.ascontiguousarray(row[None])])
            out_tensors = ann.make_output_tensors(outputs)
            self.runtime.EnqueueWorkload(net_id, in_tensors, out_tensors)
            rows.append(ann.workload_tensors_to_ndarray(out_tensors)[0].reshape(-1))
        return np.stack(rows)


def refused_op(error):
    """What Arm NN 20.08 cannot take, from its message."""
    text = str(error).strip().splitlines()[0]
    m = re.search(r"opcode:[^/]*/\s*([A-Z0-9_]+)", text)
    if m:
        return m.group(1), text
    if "GetBiasTypeFromWeightsType" in text:
        return "per-channel int8 weights (aborts)", text
    if "ParseTransposeConv" in text:
        return "TRANSPOSE_CONV with a bias (4 inputs)", text
    if "has 0 bytes" in text:
        return "float16 weights through DEQUANTIZE (non-constant weights)", text
    return "?", text


def run_isolated(path, input_path):
    """Arm NN in a child process: it aborts (an assertion) on some files it cannot take."""
    out = path + ".armnn.npy"
    if os.path.exists(out):
        os.remove(out)
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", path, input_path, out],
                           capture_output=True, text=True, timeout=60)
    if child.returncode == 0 and os.path.exists(out):
        return np.load(out), None
    text = [l for l in (child.stderr + child.stdout).splitlines() if "Error" in l or "Assertion" in l]
    return None, (text[-1] if text else f"exit status {child.returncode}")


def rel_error(got, expected):
    return float(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1.0)))


def check_exported(armnn, folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    failures, refused, lines, nofile, notes = 0, {}, [], [], []
    for entry in manifest:
        if "convert_error" in entry:
            lines.append(f"NOFILE  {entry['file']}: Strata's converter refused: {entry['convert_error']}")
            nofile.append(entry["file"])
            continue
        path = os.path.join(folder, entry["file"])
        x = np.load(os.path.join(folder, entry["input"])).astype(np.float32)
        predict = np.load(os.path.join(folder, entry["predict"])).reshape(len(x), -1)
        got, error = run_isolated(path, os.path.join(folder, entry["input"]))
        if error is not None:
            op, text = refused_op(error)
            refused.setdefault(op, []).append(entry["file"])
            known = op in KNOWN_GAPS
            failures += 0 if known else 1
            also = f"; Strata's interpreter: {entry['strata_error']}" if entry.get("strata") is None else ""
            lines.append(f"{'REFUSED' if known else 'FAIL   '} {entry['file']}: Arm NN lacks {op} ({text}){also}")
            continue
        mode = entry["mode"]
        if entry.get("strata") is None:
            # Arm NN runs a file Strata's interpreter refuses: an interpreter gap, a failure.
            failures += 1
            lines.append(f"FAIL    {entry['file']}: Arm NN runs it, Strata's interpreter refuses it: {entry['strata_error']}")
            continue
        strata = np.load(os.path.join(folder, entry["strata"])).reshape(len(x), -1)
        if mode == "float32":
            err = rel_error(got, predict)
            ok = err <= 1e-5
            detail = f"max rel diff vs predict {err:.2e} (bound 1e-5)"
        elif mode == "float16":
            err = rel_error(got, strata)
            ok = err <= 1e-5
            detail = f"max rel diff vs Strata's interpreter {err:.2e} (bound 1e-5); vs predict {rel_error(got, predict):.2e}"
        else:
            scale = entry["output_scale"]
            steps = float(np.max(np.abs(got - strata))) / scale
            bound = 8 * scale + 0.02 * float(np.ptp(predict) if predict.size > 1 else abs(predict).max())
            err_a = float(np.max(np.abs(got - predict)))
            err_s = float(np.max(np.abs(strata - predict)))
            # Arm NN requantizes through float, TFLite (and Strata) in fixed point: on the
            # hello_world fixture Arm NN itself is up to 3 steps off TFLite's reference, so more
            # than one step is reported (NOTE) and more than 3 fails.
            ok = steps <= 3.0 + 1e-3 and err_a <= bound and err_s <= bound
            if ok and steps > 1.0 + 1e-3:
                notes.append(entry["file"])
            detail = (f"Arm NN vs Strata {steps:.0f} step(s) of {scale:.3g} (bound 1, 3 with a NOTE); vs float model: "
                      f"Arm NN {err_a:.3g}, Strata {err_s:.3g} (bound {bound:.3g})")
        failures += 0 if ok else 1
        lines.append(f"{'ok     ' if ok else 'FAIL   '} {entry['file']}: {detail}")
    print("\n".join(lines))
    for name in notes:
        print(f"NOTE: {name}: Arm NN and Strata differ by more than one step (Arm NN's float requantization)")
    if refused:
        print("Ops Arm NN's TfLiteParser lacks (checked against TFLite's formulas in test_armnn_gaps.cpp):")
        for op, files in sorted(refused.items()):
            print(f"  {op}: {len(files)} file(s)")
    return failures


def check_fixtures(armnn, folder):
    """TensorFlow's own files, against the Arm NN values the fixtures' README records."""
    failures = 0
    hello = os.path.join(folder, "hello_world")
    with open(os.path.join(hello, "expected.json")) as f:
        expected = json.load(f)
    ref = expected["hello_world_float.tflite"]["armnn"]
    got = armnn.run(armnn.load(os.path.join(hello, "hello_world_float.tflite")),
                    np.array(ref["inputs"], np.float32).reshape(-1, 1))
    err = rel_error(got.reshape(-1), np.array(ref["outputs"]))
    print(f"{'ok     ' if err <= 1e-6 else 'FAIL   '} fixture hello_world_float: max rel diff {err:.2e}")
    failures += err > 1e-6
    sin_err = float(np.max(np.abs(np.sin(np.array(ref["inputs"])) - got.reshape(-1))))
    failures += sin_err > 0.05
    print(f"{'ok     ' if sin_err <= 0.05 else 'FAIL   '} fixture hello_world_float: |sin(x) - y| {sin_err:.3f} (bound 0.05)")
    # int8: all 256 inputs, against the Arm NN sweep recorded there (the harness reproduces it), and
    # how far Arm NN's float requantization is from TFLite's fixed point (Strata's arithmetic).
    q = expected["hello_world_int8.tflite"]
    sweep = q["armnn_sweep_all_int8_inputs"]
    got = armnn.run(armnn.load(os.path.join(hello, "hello_world_int8.tflite")),
                    np.array(sweep["inputs_int8"], np.int8).reshape(-1, 1)).reshape(-1).astype(int)
    same = bool(np.array_equal(got, np.array(sweep["outputs_int8"])))
    failures += not same
    fixed = np.array(q["tflite_fixed_point_reference_sweep"]["outputs_int8"])
    print(f"{'ok     ' if same else 'FAIL   '} fixture hello_world_int8: 256 inputs equal the recorded Arm NN "
          f"sweep; Arm NN vs TFLite's fixed point: {int(np.sum(got != fixed))} differ, "
          f"max {int(np.max(np.abs(got - fixed)))} step(s)")
    for name in ("trained_lstm.tflite", "trained_lstm_int8.tflite"):
        try:
            armnn.load(os.path.join(folder, "mnist_lstm", name))
            print(f"FAIL    fixture {name}: Arm NN now parses it; compare its outputs here")
            failures += 1
        except Exception as error:
            op, _ = refused_op(error)
            ok = op == "UNIDIRECTIONAL_SEQUENCE_LSTM"
            failures += 0 if ok else 1
            print(f"{'REFUSED' if ok else 'FAIL   '} fixture {name}: Arm NN lacks {op}")
    return failures


def main(argv):
    if len(argv) == 5 and argv[1] == "--one":
        armnn = ArmNN()
        np.save(argv[4], armnn.run(armnn.load(argv[2]), np.load(argv[3]).astype(np.float32)))
        return 0
    if len(argv) < 2:
        print(__doc__)
        return 2
    armnn = ArmNN()
    failures = check_exported(armnn, argv[1])
    if "--fixtures" in argv:
        fixtures = argv[argv.index("--fixtures") + 1]
        if os.path.isdir(fixtures):
            failures += check_fixtures(armnn, fixtures)
        else:
            print(f"(fixtures folder {fixtures} absent: not checked)")
    print(f"{'FAILED' if failures else 'PASSED'}: {failures} mismatch(es)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
