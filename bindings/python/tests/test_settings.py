from __future__ import annotations

import pytest

import libbt


def test_unknown_setting_raises_unknown_setting_with_its_name() -> None:
    with pytest.raises(libbt.UnknownSetting) as ei:
        libbt.Session(listen_interfaces="127.0.0.1:0", no_such_setting=1)
    assert isinstance(ei.value, KeyError) and isinstance(ei.value, libbt.Error)
    assert ei.value.code == -7
    assert "no_such_setting" in str(ei.value)


def test_wrong_value_type_raises_setting_type_error() -> None:
    with pytest.raises(libbt.SettingTypeError) as ei:
        libbt.Session(listen_interfaces="127.0.0.1:0", connections_limit="many")
    assert isinstance(ei.value, TypeError)
    assert ei.value.code == -8
    assert "connections_limit" in str(ei.value)


def test_bool_is_sent_as_bool_not_int() -> None:
    # bool is an int subclass: a bool for an int setting must reach libbt as set_bool and fail.
    with pytest.raises(libbt.SettingTypeError):
        libbt.Session(listen_interfaces="127.0.0.1:0", connections_limit=True)


def test_out_of_range_value_raises_setting_type_error() -> None:
    with pytest.raises(libbt.SettingTypeError) as ei:
        libbt.Session(listen_interfaces="127.0.0.1:0", connections_limit=-5)
    assert str(ei.value)


def test_unsupported_python_type_is_rejected_before_libbt() -> None:
    with pytest.raises(libbt.SettingTypeError):
        libbt.Session(listen_interfaces="127.0.0.1:0", connections_limit=1.5)  # type: ignore[arg-type]


def test_malformed_listen_interface_is_rejected() -> None:
    with pytest.raises(libbt.SettingTypeError) as ei:
        libbt.Session(listen_interfaces="not an address")
    assert "not an address" in str(ei.value)


def test_features_that_would_send_traffic_cannot_be_enabled() -> None:
    with pytest.raises(libbt.SettingTypeError, match="UPnP"):
        libbt.Session(listen_interfaces="127.0.0.1:0", enable_upnp=True)


def test_settings_round_trip_through_apply_and_get(session: libbt.Session) -> None:
    session.apply_settings({"connections_limit": 50}, user_agent="test-agent/1")
    session.set_setting("enable_incoming_tcp", False)
    assert session.get_setting("connections_limit") == 50
    assert session.get_setting("user_agent") == "test-agent/1"
    assert session.get_setting("enable_incoming_tcp") is False
    assert session.get_setting("alert_mask") == int(libbt.AlertCategory.default())


def test_settings_dict_and_keywords_merge_keywords_winning(make_session) -> None:
    s = make_session(**{"connections_limit": 10})
    assert s.get_setting("connections_limit") == 10
    s2 = libbt.Session({"connections_limit": 10, "listen_interfaces": "127.0.0.1:0"},
                       connections_limit=20)
    with s2:
        assert s2.get_setting("connections_limit") == 20


def test_get_and_apply_unknown_setting(session: libbt.Session) -> None:
    with pytest.raises(libbt.UnknownSetting):
        session.get_setting("nope")
    with pytest.raises(libbt.UnknownSetting):
        session.apply_settings(nope=1)
    with pytest.raises(libbt.SettingTypeError):
        session.apply_settings(user_agent=3)


def test_listen_port_is_the_real_port(session: libbt.Session) -> None:
    assert 0 < session.listen_port < 65536


def test_version_strings() -> None:
    assert libbt.version == "0.4.0"
    assert libbt.version_number == 400
    assert libbt.__version__ == "0.4.0"
    assert libbt.strerror(-3)
