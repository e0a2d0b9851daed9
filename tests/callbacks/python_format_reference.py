#!/usr/bin/env python3
"""Prints the expected strings of test_model_checkpoint.cpp's python_format table, as Python's
str.format gives them (run: python3 tests/callbacks/python_format_reference.py)."""

values = {"epoch": 3, "batch": 120, "neg": -42, "val_loss": 0.41234567, "loss": 1234567.891,
          "big": 1234567, "tiny": 1.5e-05, "acc": 0.875, "inf": float("inf"), "negf": -2.5, "one": 1.0}
patterns = [
    "{big:,d}", "{big:_x}", "{big:,}",
    "model.{epoch:02d}-{val_loss:.2f}.h5", "{epoch}", "{epoch:d}", "{epoch:5d}|", "{epoch:<5d}|", "{epoch:^6d}|",
    "{epoch:*>4}", "{neg:05d}", "{neg:+d}", "{epoch:+d}", "{epoch: d}", "{batch:,d}", "{batch:x}", "{batch:#x}",
    "{batch:#o}", "{batch:b}", "{batch:X}", "{epoch:.2f}", "{epoch:e}", "{epoch:%}", "{val_loss}", "{val_loss:.4f}",
    "{val_loss:.3e}", "{val_loss:.3E}", "{val_loss:g}", "{val_loss:.3g}", "{val_loss:.3}", "{one:.3}", "{one}",
    "{loss:,.2f}", "{loss:_.1f}", "{loss:.3}", "{loss:g}", "{tiny}", "{tiny:f}", "{tiny:.2}", "{acc:.1%}",
    "{acc:08.3f}", "{negf:08.3f}", "{negf:+.1f}", "{acc:+.1f}", "{inf:.2f}", "{inf:F}", "{inf}", "{acc!r}",
    "{acc!s:>8}|", "{epoch!r:<4}|", "{{epoch}}-{epoch}", "a}}b{{c", "{val_loss:10.4f}|", "{val_loss:<10.4f}|",
    "{val_loss:=+10.4f}|", "{negf:=10.2f}|", "{epoch:03}",
]
for p in patterns:
    print('    {"%s", "%s"},' % (p, p.format(**values)))
