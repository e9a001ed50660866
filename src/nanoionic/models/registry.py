"""Registry of device models by name."""

from __future__ import annotations

from nanoionic._core.errors import unknown_name_error
from nanoionic.models.base import DeviceModel
from nanoionic.models.diffusive_drift import DiffusiveDriftModel
from nanoionic.models.ecm_filament import ECMFilamentModel
from nanoionic.models.interface_hopping import InterfaceHoppingModel
from nanoionic.models.interface_vcm import InterfaceVCMModel
from nanoionic.models.jart_vcm import JARTVCMModel
from nanoionic.models.li_reservoir import LiReservoirModel
from nanoionic.models.linear_drift import BiolekDriftModel, JoglekarDriftModel
from nanoionic.models.metaplastic_filament import MetaplasticFilamentModel
from nanoionic.models.modulated_bridge import ModulatedBridgeModel
from nanoionic.models.quantum_contact import QuantumContactModel
from nanoionic.models.stanford_pku import StanfordPKUModel
from nanoionic.models.taox_thermal import TaOxThermalModel
from nanoionic.models.threshold_switch import ThresholdSwitchModel
from nanoionic.models.vcm_filament import VCMFilamentModel
from nanoionic.models.vcm_gap import VCMGapModel
from nanoionic.models.vteam import VTEAMExpModel, VTEAMModel
from nanoionic.models.wox_mobility import WOxMobilityModel
from nanoionic.models.yakopcic import YakopcicModel

MODELS: dict[str, type[DeviceModel]] = {
    InterfaceHoppingModel.name: InterfaceHoppingModel,
    VCMFilamentModel.name: VCMFilamentModel,
    WOxMobilityModel.name: WOxMobilityModel,
    TaOxThermalModel.name: TaOxThermalModel,
    DiffusiveDriftModel.name: DiffusiveDriftModel,
    MetaplasticFilamentModel.name: MetaplasticFilamentModel,
    LiReservoirModel.name: LiReservoirModel,
    ModulatedBridgeModel.name: ModulatedBridgeModel,
    JoglekarDriftModel.name: JoglekarDriftModel,
    BiolekDriftModel.name: BiolekDriftModel,
    ECMFilamentModel.name: ECMFilamentModel,
    VCMGapModel.name: VCMGapModel,
    ThresholdSwitchModel.name: ThresholdSwitchModel,
    QuantumContactModel.name: QuantumContactModel,
    VTEAMModel.name: VTEAMModel,
    VTEAMExpModel.name: VTEAMExpModel,
    YakopcicModel.name: YakopcicModel,
    StanfordPKUModel.name: StanfordPKUModel,
    JARTVCMModel.name: JARTVCMModel,
    InterfaceVCMModel.name: InterfaceVCMModel,
}


def get_model(name: str) -> DeviceModel:
    """An instance of the model registered as ``name`` (error with "did you mean" otherwise)."""
    try:
        return MODELS[name]()
    except KeyError:
        raise unknown_name_error("model", name, MODELS) from None


def model_names() -> list[str]:
    """Names of all registered models."""
    return sorted(MODELS)
