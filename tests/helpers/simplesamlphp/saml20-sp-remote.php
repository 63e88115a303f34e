<?php
// The service providers registered the way an IdP operator registers one: from the SP's own metadata XML
// (tests/helpers/saml_idp.py writes each node's /saml/metadata into sp/). AuthnRequestsSigned and
// WantAssertionsSigned come from that metadata, as SimpleSAMLphp reads them.
foreach (glob(__DIR__ . '/sp/*.xml') as $file) {
    $entities = \SimpleSAML\Metadata\SAMLParser::parseDescriptorsString(file_get_contents($file));
    foreach ($entities as $entityId => $entity) {
        $metadata[$entityId] = $entity->getMetadata20SP();
    }
}
