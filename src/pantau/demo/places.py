"""Where the demo happens: the regencies of Sulawesi Tengah and real places in them.

P-codes and names are the real ones (OCHA COD-AB / BPS, as in the HDX global P-code list).
Coordinates are approximate (a few hundred metres): good enough to put a demo site in the
right kelurahan or desa, not survey data. `seeds` are the points the approximate demo
boundaries are grown from (see `shapes.py`); the first seed is the regency's capital.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE = ("ID72", "Sulawesi Tengah")


@dataclass(frozen=True)
class Regency:
    pcode: str
    name: str
    prefix: str  # of the demo site ids, e.g. PAL-001
    seeds: tuple[tuple[float, float], ...]  # (lon, lat); the first is the capital
    sites: int  # how many demo sites it gets (2018: Palu, Sigi, Donggala, Parigi Moutong)


@dataclass(frozen=True)
class Place:
    """A kelurahan or desa (village) that hosted displaced people; `weight` = share of sites."""

    name: str
    kecamatan: str
    regency: str  # admin-2 P-code
    lon: float
    lat: float
    weight: int = 1


REGENCIES: tuple[Regency, ...] = (
    Regency("ID7271", "Kota Palu", "PAL", (
        (119.860, -0.900), (119.845, -0.915), (119.820, -0.860), (119.790, -0.800),
        (119.880, -0.830), (119.885, -0.775), (119.875, -0.720), (119.910, -0.935),
        (119.900, -0.880)), 128),
    Regency("ID7210", "Sigi", "SIG", (
        (119.970, -1.030), (119.945, -0.985), (119.900, -1.030), (119.820, -0.970),
        (119.780, -0.910), (119.925, -1.090), (119.980, -1.160), (120.070, -1.060),
        (120.080, -1.320), (119.990, -1.450), (119.950, -1.700), (119.850, -1.550)), 80),
    Regency("ID7205", "Donggala", "DGL", (
        (119.740, -0.680), (119.760, -0.740), (119.690, -0.860), (119.680, -0.990),
        (119.550, -1.200), (119.860, -0.620), (119.840, -0.520), (119.810, -0.430),
        (119.820, -0.270), (119.830, -0.020), (119.970, 0.300), (120.080, 0.500)), 56),
    Regency("ID7208", "Parigi Moutong", "PRM", (
        (120.165, -0.810), (120.090, -0.700), (120.070, -0.500), (120.050, -0.230),
        (120.250, 0.330), (120.600, 0.470), (121.220, 0.490), (120.300, -0.960),
        (120.460, -1.080), (120.380, -1.020), (121.700, 0.600)), 26),
    Regency("ID7204", "Poso", "POS", (
        (120.750, -1.400), (120.620, -1.800), (120.450, -1.550), (120.900, -1.600),
        (120.600, -2.150)), 4),
    Regency("ID7206", "Toli-Toli", "TLI", (
        (120.800, 1.030), (120.550, 0.850), (120.300, 0.700), (120.900, 1.200)), 2),
    Regency("ID7207", "Buol", "BUO", ((121.400, 1.100), (121.800, 0.950)), 1),
    Regency("ID7209", "Tojo Una-Una", "TOJ", (
        (121.570, -0.930), (121.250, -1.120), (121.900, -0.950)), 2),
    Regency("ID7202", "Banggai", "BGI", (
        (122.790, -0.950), (122.450, -0.900), (122.200, -1.350), (123.100, -0.850)), 1),
    Regency("ID7212", "Morowali Utara", "MRU", (
        (121.340, -1.990), (121.150, -1.650), (121.650, -1.700)), 0),
    Regency("ID7203", "Morowali", "MRW", (
        (121.900, -2.550), (121.600, -2.800), (122.100, -3.100), (121.300, -2.500)), 0),
    Regency("ID7201", "Banggai Kepulauan", "BGK", ((123.200, -1.350),), 0),
    Regency("ID7211", "Banggai Laut", "BGL", ((123.520, -1.600),), 0),
)

BY_PCODE = {r.pcode: r for r in REGENCIES}

# Islands are given to their regency whole, instead of by the nearest seed.
ISLANDS: dict[str, tuple[tuple[float, float], ...]] = {
    "ID7201": ((122.85, -1.20), (123.20, -1.10), (123.55, -1.20), (123.60, -1.40),
               (123.30, -1.55), (122.95, -1.50)),  # Peleng
    "ID7211": ((123.42, -1.50), (123.62, -1.52), (123.62, -1.70), (123.45, -1.70)),  # Banggai
    "ID7209": ((121.75, -0.30), (122.30, -0.25), (122.35, -0.45), (121.80, -0.48)),  # Togean
}

# A rough outline of the province's mainland (lon, lat), clockwise from the border with
# Sulawesi Barat on the Makassar Strait; Palu Bay is cut in between Banawa and Labuan.
MAINLAND: tuple[tuple[float, float], ...] = (
    (119.40, -1.40), (119.48, -1.10), (119.60, -0.95), (119.66, -0.82), (119.70, -0.70),
    (119.73, -0.64), (119.745, -0.655), (119.77, -0.72), (119.80, -0.79), (119.825, -0.845),
    (119.84, -0.880), (119.855, -0.889), (119.872, -0.880), (119.880, -0.850),
    (119.875, -0.80), (119.860, -0.72), (119.835, -0.65), (119.80, -0.55), (119.78, -0.43),
    (119.78, -0.30), (119.76, -0.12), (119.74, 0.05), (119.82, 0.18), (119.90, 0.15),
    (119.95, 0.35), (120.05, 0.55), (120.25, 0.75), (120.55, 0.90), (120.78, 1.05),
    (120.90, 1.30), (121.15, 1.25), (121.44, 1.18), (121.75, 1.10), (122.05, 1.00),
    (121.95, 0.50), (121.60, 0.48), (121.20, 0.45), (120.80, 0.42), (120.45, 0.40),
    (120.22, 0.25), (120.12, 0.05), (120.06, -0.20), (120.06, -0.50), (120.12, -0.72),
    (120.20, -0.82), (120.32, -0.93), (120.48, -1.05), (120.62, -1.25), (120.75, -1.37),
    (121.00, -1.25), (121.30, -1.05), (121.60, -0.88), (121.95, -0.90), (122.30, -0.80),
    (122.55, -0.75), (122.90, -0.70), (123.20, -0.75), (123.40, -0.90), (123.10, -1.00),
    (122.80, -0.97), (122.55, -1.10), (122.30, -1.35), (121.95, -1.50), (121.60, -1.75),
    (121.40, -1.95), (121.70, -2.20), (121.95, -2.55), (122.25, -2.85), (122.35, -3.10),
    (122.15, -3.45), (121.70, -3.30), (121.30, -2.90), (120.95, -2.55), (120.60, -2.20),
    (120.25, -2.05), (119.95, -1.90), (119.70, -1.70), (119.55, -1.50),
)

_P, _S, _D, _M = "ID7271", "ID7210", "ID7205", "ID7208"
PLACES: tuple[Place, ...] = (
    # Kota Palu: tsunami along the bay, liquefaction in Balaroa and Petobo
    Place("Balaroa", "Palu Barat", _P, 119.844, -0.905, 6),
    Place("Petobo", "Palu Selatan", _P, 119.911, -0.944, 6),
    Place("Talise", "Mantikulore", _P, 119.888, -0.870, 4),
    Place("Lere", "Palu Barat", _P, 119.847, -0.895, 3),
    Place("Tondo", "Mantikulore", _P, 119.892, -0.833, 4),
    Place("Mamboro", "Palu Utara", _P, 119.885, -0.790, 3),
    Place("Pantoloan", "Tawaeli", _P, 119.870, -0.710, 3),
    Place("Tipo", "Ulujadi", _P, 119.815, -0.850, 2),
    Place("Buluri", "Ulujadi", _P, 119.802, -0.820, 2),
    Place("Silae", "Ulujadi", _P, 119.830, -0.878, 2),
    Place("Watusampu", "Ulujadi", _P, 119.788, -0.795, 1),
    Place("Kawatuna", "Mantikulore", _P, 119.930, -0.925, 2),
    Place("Birobuli", "Palu Selatan", _P, 119.890, -0.920, 2),
    Place("Tatura", "Palu Selatan", _P, 119.880, -0.910, 2),
    Place("Lolu", "Palu Timur", _P, 119.875, -0.900, 1),
    Place("Besusu", "Palu Timur", _P, 119.870, -0.890, 1),
    Place("Layana", "Mantikulore", _P, 119.895, -0.860, 2),
    Place("Kayumalue", "Palu Utara", _P, 119.880, -0.760, 1),
    Place("Baiya", "Tawaeli", _P, 119.880, -0.730, 1),
    Place("Duyu", "Tatanga", _P, 119.845, -0.920, 2),
    Place("Tavanjuka", "Tatanga", _P, 119.870, -0.940, 1),
    Place("Nunu", "Tatanga", _P, 119.856, -0.908, 1),
    # Sigi: liquefaction in Jono Oge and Sibalaya, landslides in the south
    Place("Jono Oge", "Sigi Biromaru", _S, 119.940, -0.975, 5),
    Place("Sibalaya", "Tanambulava", _S, 119.925, -1.080, 4),
    Place("Biromaru", "Sigi Biromaru", _S, 119.950, -1.000, 2),
    Place("Pombewe", "Sigi Biromaru", _S, 119.960, -1.020, 2),
    Place("Sidera", "Sigi Biromaru", _S, 119.970, -0.995, 1),
    Place("Bora", "Sigi Biromaru", _S, 119.970, -1.030, 1),
    Place("Langaleso", "Dolo", _S, 119.910, -1.000, 2),
    Place("Dolo", "Dolo", _S, 119.895, -1.025, 2),
    Place("Marawola", "Marawola", _S, 119.825, -0.965, 2),
    Place("Kinovaro", "Kinovaro", _S, 119.785, -0.910, 1),
    Place("Gumbasa", "Gumbasa", _S, 119.980, -1.150, 2),
    Place("Palolo", "Palolo", _S, 120.070, -1.060, 2),
    Place("Lindu", "Lindu", _S, 120.080, -1.320, 1),
    Place("Kulawi", "Kulawi", _S, 119.990, -1.450, 2),
    # Donggala: the epicentre was near Sirenja; tsunami along the coast
    Place("Banawa", "Banawa", _D, 119.735, -0.680, 3),
    Place("Kabonga", "Banawa", _D, 119.745, -0.695, 1),
    Place("Loli Oge", "Banawa", _D, 119.760, -0.740, 2),
    Place("Towale", "Banawa Tengah", _D, 119.720, -0.790, 1),
    Place("Banawa Selatan", "Banawa Selatan", _D, 119.690, -0.880, 1),
    Place("Labuan", "Labuan", _D, 119.870, -0.610, 2),
    Place("Tanantovea", "Tanantovea", _D, 119.840, -0.530, 2),
    Place("Sindue", "Sindue", _D, 119.810, -0.430, 2),
    Place("Sirenja", "Sirenja", _D, 119.820, -0.270, 3),
    Place("Lende", "Sirenja", _D, 119.810, -0.220, 1),
    Place("Balaesang", "Balaesang", _D, 119.820, -0.020, 2),
    # Parigi Moutong: across the mountains, on the Gulf of Tomini
    Place("Parigi", "Parigi", _M, 120.165, -0.810, 3),
    Place("Toboli", "Parigi Utara", _M, 120.090, -0.700, 2),
    Place("Ampibabo", "Ampibabo", _M, 120.040, -0.500, 1),
    Place("Kasimbar", "Kasimbar", _M, 120.035, -0.230, 1),
    Place("Torue", "Torue", _M, 120.300, -0.950, 1),
    Place("Balinggi", "Balinggi", _M, 120.380, -1.020, 1),
    Place("Sausu", "Sausu", _M, 120.460, -1.080, 1),
    Place("Tinombo", "Tinombo", _M, 120.250, 0.350, 1),
    # a few families went further, to relatives in other regencies
    Place("Poso Kota", "Poso Kota", "ID7204", 120.750, -1.400, 2),
    Place("Tentena", "Pamona Puselemba", "ID7204", 120.650, -1.770, 1),
    Place("Tolitoli", "Baolan", "ID7206", 120.800, 1.030),
    Place("Ampana", "Ampana Kota", "ID7209", 121.570, -0.930),
    Place("Buol", "Biau", "ID7207", 121.400, 1.100),
    Place("Luwuk", "Luwuk", "ID7202", 122.790, -0.950),
)
