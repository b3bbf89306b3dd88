"""The three shipped DTM forms, question by question (build.py writes them as XLSForms).

Every number carries an HXL tag so pantau maps it with no mapping file. No names or phone
numbers of key informants are asked: only their role.
"""

from __future__ import annotations

from pantau.forms.library.parts import (
    FormSpec,
    admin_area,
    assessment_date,
    begin,
    count,
    end,
    metadata,
    q,
)

_SEX_AGE = [("f", "female", "perempuan"), ("m", "male", "laki-laki")]
_AGES = [("infants", "under 5", "di bawah 5 tahun"), ("children", "5–17", "5–17 tahun"),
         ("adults", "18–59", "18–59 tahun"), ("elderly", "60 and over", "60 tahun ke atas")]


def _informant() -> list:
    return [q("select_one informant_roles", "informant_role", "Role of the key informant",
              "Peran informan kunci", required="yes",
              hint=("Do not write names or phone numbers here.",
                    "Jangan menulis nama atau nomor telepon di sini."))]


def _sex_age_breakdown() -> list:
    rows = [q("note", "breakdown_note", "IDP individuals by sex and age",
              "Individu pengungsi menurut jenis kelamin dan umur")]
    for sex, en_sex, id_sex in _SEX_AGE:
        for age, en_age, id_age in _AGES:
            rows.append(count(f"idp_{sex}_{age}", f"IDPs, {en_sex}, {en_age}",
                              f"Pengungsi, {id_sex}, {id_age}",
                              f"#affected+idps+ind+{sex}+{age}"))
    return rows


_SA_ROWS = [
    *metadata(),
    assessment_date(),
    *_informant(),
    begin("group", "location", "Site", "Lokasi"),
    q("text", "site_id", "Site ID (from the master list)", "ID lokasi (dari daftar induk)",
      "#loc+code", required="yes"),
    q("text", "site_name", "Site name", "Nama lokasi", "#loc+name", required="yes"),
    *admin_area(4, required_levels=3),
    q("geopoint", "gps", "GPS location of the site", "Titik GPS lokasi"),
    q("select_one site_types", "site_type", "Site type", "Jenis lokasi", "#loc+type",
      required="yes"),
    q("select_one management", "site_management", "Who manages the site?",
      "Siapa yang mengelola lokasi?", "#org+management", required="yes"),
    end("group"),
    begin("group", "population", "Population", "Populasi"),
    count("idp_hh", "IDP households on the site", "Kepala keluarga pengungsi di lokasi",
          "#affected+idps+hh", required=True),
    count("idp_ind", "IDP individuals on the site", "Individu pengungsi di lokasi",
          "#affected+idps+ind", at_least="idp_hh", required=True),
    *_sex_age_breakdown(),
    q("select_one reasons", "main_reason", "Main reason of displacement",
      "Alasan utama pengungsian", "#cause+type", required="yes"),
    *admin_area(2, prefix="origin_", hxl_suffix="+origin", required_levels=1,
               of=(" of origin", " asal")),
    q("select_one shelter_types", "main_shelter", "Most common shelter type",
      "Jenis tempat tinggal yang paling umum", "#shelter+type"),
    end("group"),
    begin("group", "services", "Services", "Layanan"),
    q("select_one yes_no", "water_on_site", "Is there safe drinking water on the site?",
      "Apakah ada air minum yang aman di lokasi?", "#service+water", required="yes"),
    q("select_one yes_no", "latrines_on_site", "Are there working latrines on the site?",
      "Apakah ada jamban yang berfungsi di lokasi?", "#service+latrines", required="yes"),
    q("select_one yes_no", "health_access", "Can residents reach a health facility?",
      "Apakah penghuni dapat menjangkau fasilitas kesehatan?", "#service+health",
      required="yes"),
    q("select_one yes_no", "school_access", "Can children attend school?",
      "Apakah anak-anak dapat bersekolah?", "#service+education", required="yes"),
    end("group"),
    begin("group", "needs", "Needs", "Kebutuhan"),
    q("select_multiple sectors", "priority_needs", "Priority needs (up to three)",
      "Kebutuhan prioritas (maksimal tiga)", "#need+priority", required="yes",
      constraint="count-selected(.) <= 3",
      **{"constraint_message::English (en)": "Choose at most three.",
         "constraint_message::Bahasa Indonesia (id)": "Pilih paling banyak tiga."}),
    end("group"),
    q("text", "comments", "Comments", "Catatan", appearance="multiline"),
]

SA = FormSpec("dtm_sa.xlsx", "dtm_sa", "2025010101", "DTM Site Assessment (SA)", _SA_ROWS)


_BA_ROWS = [
    *metadata(),
    assessment_date(),
    *_informant(),
    begin("group", "location", "Assessed area", "Wilayah yang diases"),
    *admin_area(4, required_levels=4),
    q("text", "village_name", "Village / neighbourhood name", "Nama desa / kelurahan",
      "#adm4+name", required="yes"),
    end("group"),
    begin("group", "idps", "Internally displaced persons (IDPs) in this area",
          "Pengungsi internal di wilayah ini"),
    q("select_one yes_no", "idps_present", "Are there IDPs in this area?",
      "Apakah ada pengungsi di wilayah ini?", required="yes"),
    begin("repeat", "idp_groups", "IDP group (one per origin and reason)",
          "Kelompok pengungsi (satu per asal dan alasan)", relevant="${idps_present} = 'yes'"),
    *admin_area(2, prefix="origin_", hxl_suffix="+origin", required_levels=1,
               of=(" of origin", " asal")),
    q("select_one reasons", "reason", "Reason of displacement", "Alasan pengungsian",
      "#cause+type", required="yes"),
    q("date", "displacement_date", "Date of displacement", "Tanggal mengungsi",
      "#date+displaced", constraint=". <= today()"),
    q("select_one shelter_types", "shelter", "Main shelter type", "Jenis tempat tinggal utama",
      "#shelter+type", required="yes"),
    count("hh", "IDP households", "Kepala keluarga pengungsi", "#affected+idps+hh",
          required=True),
    count("ind", "IDP individuals", "Individu pengungsi", "#affected+idps+ind",
          at_least="hh", required=True),
    end("repeat"),
    end("group"),
    begin("group", "returnees", "Returnees", "Pengungsi yang kembali"),
    count("returnee_hh", "Returnee households", "Kepala keluarga yang kembali",
          "#affected+returnees+hh", required=True),
    count("returnee_ind", "Returnee individuals", "Individu yang kembali",
          "#affected+returnees+ind", at_least="returnee_hh", required=True),
    end("group"),
    begin("group", "migrants", "Migrants", "Migran"),
    count("migrant_hh", "Migrant households", "Kepala keluarga migran",
          "#affected+migrants+hh", required=True),
    count("migrant_ind", "Migrant individuals", "Individu migran", "#affected+migrants+ind",
          at_least="migrant_hh", required=True),
    end("group"),
]

BA = FormSpec("dtm_ba.xlsx", "dtm_ba", "2025010101", "DTM Baseline Assessment (BA)", _BA_ROWS)


_ETT_ROWS = [
    *metadata(),
    begin("group", "event", "Event", "Kejadian"),
    q("select_one reasons", "event_type", "Type of event", "Jenis kejadian", "#cause+type",
      required="yes"),
    q("date", "event_date", "Date of the event", "Tanggal kejadian", "#date+event",
      required="yes", constraint=". <= today()"),
    assessment_date(),
    end("group"),
    begin("group", "location", "Where the assessment takes place", "Lokasi asesmen"),
    *admin_area(3, required_levels=2),
    end("group"),
    begin("repeat", "movements", "Group of displaced people", "Kelompok orang yang mengungsi"),
    *admin_area(3, prefix="from_", hxl_suffix="+origin", required_levels=2,
               of=(" displaced from", " asal pengungsian")),
    *admin_area(3, prefix="to_", required_levels=2,
               of=(" where they are now", " tempat mereka sekarang")),
    q("text", "to_site_id", "Site ID where they stay, if any",
      "ID lokasi tempat mereka tinggal, jika ada", "#loc+code"),
    q("select_one shelter_types", "shelter", "Where are they sheltering?",
      "Di mana mereka berlindung?", "#shelter+type", required="yes"),
    count("hh", "Households", "Kepala keluarga", "#affected+idps+hh", required=True),
    count("ind", "Individuals (if known)", "Individu (jika diketahui)", "#affected+idps+ind",
          at_least="hh", hint=("Leave empty if unknown: pantau estimates it from households.",
                               "Kosongkan jika tidak diketahui: pantau memperkirakannya dari "
                               "jumlah kepala keluarga.")),
    q("select_multiple sectors", "initial_needs", "Most urgent needs",
      "Kebutuhan paling mendesak", "#need+priority", required="yes"),
    end("repeat"),
]

ETT = FormSpec("dtm_ett.xlsx", "dtm_ett", "2025010101", "DTM Emergency Event Tracking (ETT)",
               _ETT_ROWS, {"estimate_individuals": "yes"})
