"""Export scikit-learn's bundled wine data to data/wine.csv: data version 1, the raw export.

The data ships inside the scikit-learn package (178 wines from three cultivars, 13 chemical
measurements each), so the lab needs no download. DVC, not git, versions the CSV.
"""

from pathlib import Path

from sklearn.datasets import load_wine

OUT = Path("data/wine.csv")


def main() -> None:
    frame = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    OUT.parent.mkdir(exist_ok=True)
    frame.to_csv(OUT, index=False)
    print(f"wrote {OUT}: {len(frame)} rows, {frame.shape[1]} columns")


if __name__ == "__main__":
    main()
