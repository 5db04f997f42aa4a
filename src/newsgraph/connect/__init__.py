"""Connect articles into a corpus: features and corpus statistics (``features``), similar news (``similar``),
online story clustering (``stories``), the "Tags:" line (``tags``) and near-duplicates (``near_duplicates``).

Pure library code: data in, data out; the store persists what these return.
"""
