"""The ledgerbridge (业财桥) Streamlit app: dashboards, workbench, monitor and analyst SQL."""
