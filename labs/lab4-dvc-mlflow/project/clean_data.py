"""Clean data/wine.csv in place: data version 2.

Drops rows with any measurement more than 3 standard deviations from its column mean (outliers)
and exact duplicate rows. The file keeps its path; `dvc add` then records the new version, and
the commit of the updated data/wine.csv.dvc is what ties a run to it.
"""

from pathlib import Path

import pandas as pd

DATA = Path("data/wine.csv")
TARGET = "cultivar"
Z_LIMIT = 3.0


def clean(frame: pd.DataFrame) -> pd.DataFrame:
    features = frame.drop(columns=[TARGET])
    z = (features - features.mean()) / features.std(ddof=0)
    kept = frame[(z.abs() <= Z_LIMIT).all(axis=1)]
    return kept.drop_duplicates().reset_index(drop=True)


def main() -> None:
    raw = pd.read_csv(DATA)
    cleaned = clean(raw)
    cleaned.to_csv(DATA, index=False)
    print(f"cleaned {DATA}: {len(raw)} -> {len(cleaned)} rows ({len(raw) - len(cleaned)} outliers/duplicates dropped)")


if __name__ == "__main__":
    main()
