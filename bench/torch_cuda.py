#!/usr/bin/env python3
"""PyTorch eager on the GPU: the peer of bench/bench_cuda.cpp.

The same models, batch size, optimizer and measurements as bench_cuda:
  MLP: Flatten -> Linear(784, 256) -> ReLU -> Linear(256, 128) -> ReLU -> Linear(128, 10), Adam(1e-3),
       batch 128, shuffled every epoch; epoch_s covers the batch gather, forward, backward, step and the
       loss / accuracy reaching the host once per batch (as fit's progress values do).
  predict: model(x).softmax(-1).cpu() for one image (median of --predict-calls after 50 warm-ups) and
       for 1024 images (median of 100).
  CNN: Keras's mnist_convnet (Conv 32 3x3 relu, maxpool 2, Conv 64 3x3 relu, maxpool 2, flatten,
       dropout 0.5, Linear(1600, 10)), NHWC data permuted to NCHW once, channels_last memory format.
  SGEMM: torch.matmul of two 4096x4096 float32 matrices, TF32 off, then on.
Prints `bench=... backend=torch_cuda ...` lines, or one line saying why it cannot run.

Usage: python3 bench/torch_cuda.py [--epochs N] [--cnn-epochs N] [--predict-calls N] [--gemm-iters N]
"""
import argparse
import gzip
import os
import statistics
import sys
import time


def load_fashion_mnist(np):
    directory = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")

    def read(stem, offset):
        for name, opener in ((stem + ".gz", gzip.open), (stem, open)):
            path = os.path.join(directory, name)
            if os.path.exists(path):
                with opener(path, "rb") as f:
                    return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)
        return None

    parts = [read("train-images-idx3-ubyte", 16), read("train-labels-idx1-ubyte", 8),
             read("t10k-images-idx3-ubyte", 16), read("t10k-labels-idx1-ubyte", 8)]
    if any(p is None for p in parts):
        rng = np.random.default_rng(1)
        return (rng.random((60000, 28, 28), dtype=np.float32), rng.integers(0, 10, 60000),
                rng.random((10000, 28, 28), dtype=np.float32), rng.integers(0, 10, 10000), "random")
    x_train = parts[0].reshape(-1, 28, 28).astype(np.float32) / 255.0
    x_test = parts[2].reshape(-1, 28, 28).astype(np.float32) / 255.0
    return x_train, parts[1].astype(np.int64), x_test, parts[3].astype(np.int64), "fashion_mnist"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--cnn-epochs", type=int, default=1)
    parser.add_argument("--predict-calls", type=int, default=1000)
    parser.add_argument("--gemm-iters", type=int, default=20)
    args = parser.parse_args()
    try:
        import numpy as np
        import torch
    except ImportError as e:
        print(f'bench=torch_cuda backend=torch_cuda skipped=1 reason="{e}"')
        return 0
    if not torch.cuda.is_available():
        print('bench=torch_cuda backend=torch_cuda skipped=1 reason="torch.cuda.is_available() is False"')
        return 0
    device = torch.device("cuda")
    torch.manual_seed(42)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    x_train, y_train, x_test, y_test, source = load_fashion_mnist(np)
    x_train = torch.from_numpy(x_train).to(device)
    y_train = torch.from_numpy(y_train).to(device)
    x_test = torch.from_numpy(x_test).to(device)
    y_test = torch.from_numpy(y_test).to(device)
    sync = torch.cuda.synchronize

    def fit(name, model, x, y, xt, epochs):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        n = x.shape[0]
        for epoch in range(epochs):
            model.train()
            sync()
            start = time.perf_counter()
            permutation = torch.randperm(n, device=device)
            total, count = 0.0, 0
            for begin in range(0, n, 128):
                index = permutation[begin:begin + 128]
                xb, yb = x[index], y[index]
                optimizer.zero_grad(set_to_none=True)
                logits = model(xb)
                loss = loss_fn(logits, yb)
                loss.backward()
                optimizer.step()
                accuracy = (logits.argmax(-1) == yb).float().mean()
                total += loss.item() * xb.shape[0]  # the progress values reach the host per batch
                accuracy.item()
                count += xb.shape[0]
            sync()
            seconds = time.perf_counter() - start
            model.eval()
            with torch.no_grad():
                correct = sum((model(xt[i:i + 1024]).argmax(-1) == y_test[i:i + 1024]).sum().item()
                              for i in range(0, xt.shape[0], 1024))
            print(f"bench={name} backend=torch_cuda epoch={epoch + 1} epoch_s={seconds:.3f} loss={total / count:.4f} "
                  f"test_acc={correct / xt.shape[0]:.4f} data={source} train_n={n}", flush=True)

    if args.epochs > 0:
        mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                  torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(device)
        fit("mlp", mlp, x_train, y_train, x_test, args.epochs)
        mlp.eval()

        def predict(x):
            with torch.no_grad():
                return mlp(x).softmax(-1).cpu()

        one, batch = x_test[:1], x_test[:1024]
        for _ in range(50):
            predict(one)
        b1 = []
        for _ in range(args.predict_calls):
            t0 = time.perf_counter()
            predict(one)
            b1.append(time.perf_counter() - t0)
        for _ in range(5):
            predict(batch)
        b1024 = []
        for _ in range(100):
            t0 = time.perf_counter()
            predict(batch)
            b1024.append(time.perf_counter() - t0)
        print(f"bench=mlp backend=torch_cuda predict_b1_us={statistics.median(b1) * 1e6:.1f} "
              f"predict_b1_us_min={min(b1) * 1e6:.1f} predict_b1024_ms={statistics.median(b1024) * 1e3:.3f} "
              f"predict_b1024_sps={1024 / statistics.median(b1024):.0f} calls_b1={len(b1)}", flush=True)

    if args.cnn_epochs > 0:
        torch.manual_seed(42)

        class ConvNet(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = torch.nn.Conv2d(1, 32, 3)
                self.conv2 = torch.nn.Conv2d(32, 64, 3)
                self.dropout = torch.nn.Dropout(0.5)
                self.dense = torch.nn.Linear(1600, 10)

            def forward(self, x):
                x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
                x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
                x = x.permute(0, 2, 3, 1).flatten(1)  # Keras's channels_last flatten order
                return self.dense(self.dropout(x))

        cnn = ConvNet().to(device).to(memory_format=torch.channels_last)
        to_images = lambda t: t.unsqueeze(1).contiguous(memory_format=torch.channels_last)
        fit("cnn", cnn, to_images(x_train), y_train, to_images(x_test), args.cnn_epochs)

    if args.gemm_iters > 0:
        n = 4096
        a = torch.rand(n, n, device=device) * 2 - 1
        b = torch.rand(n, n, device=device) * 2 - 1
        for tf32 in (False, True):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            best = float("inf")
            for run in range(4):
                sync()
                t0 = time.perf_counter()
                for _ in range(args.gemm_iters):
                    torch.matmul(a, b)
                sync()
                if run > 0:
                    best = min(best, (time.perf_counter() - t0) / args.gemm_iters)
            print(f"bench=sgemm backend=torch_cuda n={n} tflops={2 * n ** 3 / best * 1e-12:.2f} tf32={int(tf32)} "
                  f"iters={args.gemm_iters}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
