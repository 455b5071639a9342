"""Benchmark of issue 5: a 50,000-response Qualtrics export with 30 rating questions vs the same data as a plain wide CSV (target: <= 2x)."""
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]
from cycle_analytics.ingest.importer import import_survey  # noqa: E402
from cycle_analytics.ingest.labels import apply_labels  # noqa: E402
from measure import best_call  # noqa: E402

n, q = 50_000, 30
rng = np.random.default_rng(1)
scores = rng.integers(1, 6, (n, q)).astype(str)
ids = [f"R_{i:06d}" for i in range(n)]
dates = pd.date_range("2024-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M:%S")
qcols = [f"Q1_{j+1}" for j in range(q)]
plain = pd.DataFrame(scores, columns=[f"stage_{j+1}" for j in range(q)])
plain.insert(0, "date", dates); plain.insert(0, "response_id", ids)
plain_bytes = plain.to_csv(index=False).encode()
sysc = ["StartDate","EndDate","Status","IPAddress","Progress","Duration (in seconds)","Finished","RecordedDate","ResponseId","DistributionChannel","UserLanguage"]
body = pd.DataFrame(scores, columns=qcols)
for c in reversed(sysc):
    body.insert(0, c, {"ResponseId": ids, "StartDate": dates, "EndDate": dates, "RecordedDate": dates, "IPAddress": "10.0.0.1", "Status": "0", "Progress": "100", "Duration (in seconds)": "60", "Finished": "1", "DistributionChannel": "anonymous", "UserLanguage": "EN"}[c])
texts = sysc + [f"How satisfied were you with each part of the visit? - Part {j+1}" for j in range(q)]
imp = [json.dumps({"ImportId": c}) for c in sysc] + [json.dumps({"ImportId": f"QID1_{j+1}"}) for j in range(q)]
buf = io.StringIO()
pd.DataFrame([texts, imp], columns=body.columns).to_csv(buf, index=False)
body.to_csv(buf, index=False, header=False)
q_bytes = b"\xef\xbb\xbf" + buf.getvalue().encode()
tp, sp = best_call(lambda: import_survey(plain_bytes, file_name="plain.csv"), 3)
tq, sq = best_call(lambda: import_survey(q_bytes, file_name="qualtrics.csv"), 3)
print(f"plain wide CSV {len(plain_bytes)/1e6:.1f} MB: {tp:.2f} s  ratings={sp.info.ratings}")
print(f"qualtrics CSV  {len(q_bytes)/1e6:.1f} MB: {tq:.2f} s  ratings={sq.info.ratings} format={sq.info.format}  ratio={tq/tp:.2f}")
labels = np.array(["Very dissatisfied","Dissatisfied","Neither satisfied nor dissatisfied","Satisfied","Very satisfied"], dtype=object)
lab = pd.DataFrame(labels[scores.astype(int) - 1], columns=qcols)
tl, res = best_call(lambda: apply_labels(lab), 2)
print(f"apply_labels on {n} x {q} text labels: {tl:.2f} s, converted {res.codes.shape}")
