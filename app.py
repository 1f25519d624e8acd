"""rnnviz: the router. Pages live in pages/; the core in rnnviz/."""

import streamlit as st

from rnnviz.ui.state import keep_widget_values

st.set_page_config(page_title="rnnviz", page_icon="🔁", layout="wide")
keep_widget_values()
st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/data.py", title="Data", icon="📈"),
        st.Page("pages/build.py", title="Build", icon="🧱"),
        st.Page("pages/train.py", title="Train", icon="🏋️"),
        st.Page("pages/inspect.py", title="Inspect", icon="🔍"),
    ]
).run()
